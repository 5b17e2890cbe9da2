"""Webhook subscriptions, their delivery cursors over the audit log, and the delivery log.

The events table is the outbox: every change writes its event in the same transaction, and
each webhook keeps the seq of the last event it has handled. A dispatcher (in the server)
claims a webhook with a short lease, so several servers never deliver the same event twice
at once; a crash between sending and recording re-sends it (at-least-once, same webhook-id).
"""

from __future__ import annotations

import fnmatch
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy.engine import Engine

from cairn.errors import InvalidInput, NotFound
from cairn.governance.schema import deliveries, ensure_tables, now_ms, webhooks
from cairn.governance.signing import new_secret

__all__ = ["Delivery", "WebhookInfo", "Webhooks", "event_model", "matches"]


def _time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


class WebhookInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    url: str
    actions: list[str]
    model: str | None = None
    active: bool
    created: datetime
    created_by: str
    cursor: int
    attempts: int = 0


class Delivery(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    webhook_id: int
    event_seq: int
    attempt: int
    time: datetime
    status: int | None = None
    ok: bool
    error: str | None = None
    duration_ms: int


def event_model(subject: str) -> str:
    """The model an event is about: ``fraud`` for ``fraud/3``, ``fraud@production``."""
    for sep in ("/", "@", ":"):
        subject = subject.split(sep, 1)[0]
    return subject


def matches(info: WebhookInfo, action: str, subject: str) -> bool:
    """Whether an event is for this webhook: its action matches a filter (``alias.*``) and,
    if the webhook names a model, the event is about that model."""
    if info.model is not None and event_model(subject) != info.model:
        return False
    return not info.actions or any(fnmatch.fnmatchcase(action, f) for f in info.actions)


def _check_url(url: str) -> str:
    if (
        not url.startswith(("http://", "https://"))
        or len(url) > 2000
        or any(c.isspace() for c in url)
    ):
        raise InvalidInput(f"webhook URL {url[:80]!r} is not http(s)://", "give a full URL")
    return url


class Webhooks:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write_engine = engine.execution_options(cairn_write=True)
        ensure_tables(engine)

    def _info(self, row: Any) -> WebhookInfo:
        return WebhookInfo(
            id=row.id,
            url=row.url,
            actions=row.actions.split(),
            model=row.model,
            active=bool(row.active),
            created=_time(row.created),
            created_by=row.created_by,
            cursor=row.cursor,
            attempts=row.attempts,
        )

    def create(
        self,
        url: str,
        *,
        actions: list[str],
        model: str | None,
        created_by: str,
        cursor: int,
        secret: str | None = None,
    ) -> tuple[WebhookInfo, str]:
        """Subscribe ``url`` to events after seq ``cursor``; returns the secret (shown once)."""
        for action in actions:
            if not action or any(c.isspace() for c in action) or len(action) > 64:
                raise InvalidInput(
                    f"bad event filter {action!r}", "use e.g. alias.* or version.create"
                )
        key = secret or new_secret()
        with self._write_engine.begin() as conn:
            hook_id = conn.execute(
                webhooks.insert()
                .values(
                    url=_check_url(url),
                    secret=key,
                    actions=" ".join(actions),
                    model=model,
                    active=True,
                    created=now_ms(),
                    created_by=created_by,
                    cursor=cursor,
                    attempts=0,
                    retry_at=0,
                    lease_until=0,
                )
                .returning(webhooks.c.id)
            ).scalar_one()
        return self.get(int(hook_id)), key

    def get(self, hook_id: int) -> WebhookInfo:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(webhooks).where(webhooks.c.id == hook_id)).first()
        if row is None:
            raise NotFound(f"no webhook {hook_id}", "list them with: cairn webhook list")
        return self._info(row)

    def secret(self, hook_id: int) -> str:
        with self.engine.connect() as conn:
            found = conn.execute(
                sa.select(webhooks.c.secret).where(webhooks.c.id == hook_id)
            ).scalar()
        if found is None:
            raise NotFound(f"no webhook {hook_id}", "list them with: cairn webhook list")
        return str(found)

    def all(self) -> list[WebhookInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(webhooks).order_by(webhooks.c.id)).all()
        return [self._info(r) for r in rows]

    def delete(self, hook_id: int) -> None:
        self.get(hook_id)
        with self._write_engine.begin() as conn:
            conn.execute(deliveries.delete().where(deliveries.c.webhook_id == hook_id))
            conn.execute(webhooks.delete().where(webhooks.c.id == hook_id))

    def replay(self, hook_id: int, from_seq: int) -> WebhookInfo:
        """Deliver again every matching event from ``from_seq`` on."""
        if from_seq < 1:
            raise InvalidInput("replay starts at seq 1 or later", "give --from SEQ")
        self.get(hook_id)
        with self._write_engine.begin() as conn:
            conn.execute(
                webhooks.update()
                .where(webhooks.c.id == hook_id)
                .values(cursor=from_seq - 1, attempts=0, retry_at=0, active=True)
            )
        return self.get(hook_id)

    def deliveries(self, hook_id: int, *, limit: int = 100) -> list[Delivery]:
        self.get(hook_id)
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(deliveries)
                .where(deliveries.c.webhook_id == hook_id)
                .order_by(deliveries.c.id.desc())
                .limit(limit)
            ).all()
        return [
            Delivery(
                id=r.id,
                webhook_id=r.webhook_id,
                event_seq=r.event_seq,
                attempt=r.attempt,
                time=_time(r.time),
                status=r.status,
                ok=bool(r.ok),
                error=r.error,
                duration_ms=r.duration_ms,
            )
            for r in rows
        ]

    # -- used by the dispatcher ----------------------------------------------------------------

    def due(self, owner: str) -> list[WebhookInfo]:
        """Active webhooks whose retry time has come and whose lease is free (or ours)."""
        now = now_ms()
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(webhooks).where(
                    webhooks.c.active,
                    webhooks.c.retry_at <= now,
                    sa.or_(webhooks.c.lease_until <= now, webhooks.c.lease_owner == owner),
                )
            ).all()
        return [self._info(r) for r in rows]

    def claim(self, hook_id: int, owner: str, lease_ms: int) -> bool:
        now = now_ms()
        with self._write_engine.begin() as conn:
            done = conn.execute(
                webhooks.update()
                .where(
                    webhooks.c.id == hook_id,
                    sa.or_(webhooks.c.lease_until <= now, webhooks.c.lease_owner == owner),
                )
                .values(lease_owner=owner, lease_until=now + lease_ms)
            )
        return done.rowcount == 1

    def release(self, hook_id: int, owner: str) -> None:
        with self._write_engine.begin() as conn:
            conn.execute(
                webhooks.update()
                .where(webhooks.c.id == hook_id, webhooks.c.lease_owner == owner)
                .values(lease_owner=None, lease_until=0)
            )

    def advance(self, hook_id: int, owner: str, seq: int) -> None:
        """Mark every event up to ``seq`` handled (only while holding the lease)."""
        with self._write_engine.begin() as conn:
            conn.execute(
                webhooks.update()
                .where(
                    webhooks.c.id == hook_id,
                    webhooks.c.lease_owner == owner,
                    webhooks.c.cursor < seq,
                )
                .values(cursor=seq, attempts=0, retry_at=0)
            )

    def record(
        self,
        hook_id: int,
        seq: int,
        attempt: int,
        *,
        status: int | None,
        ok: bool,
        error: str | None,
        duration_ms: int,
    ) -> None:
        with self._write_engine.begin() as conn:
            conn.execute(
                deliveries.insert().values(
                    webhook_id=hook_id,
                    event_seq=seq,
                    attempt=attempt,
                    time=now_ms(),
                    status=status,
                    ok=ok,
                    error=None if error is None else error[:500],
                    duration_ms=duration_ms,
                )
            )

    def retry_later(self, hook_id: int, owner: str, attempts: int, delay_ms: int) -> None:
        with self._write_engine.begin() as conn:
            conn.execute(
                webhooks.update()
                .where(webhooks.c.id == hook_id, webhooks.c.lease_owner == owner)
                .values(attempts=attempts, retry_at=now_ms() + delay_ms)
            )
