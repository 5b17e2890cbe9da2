"""The audit log: an append-only hash chain of events, written in the mutation's transaction.

``hash = sha256(prev_hash || canonical_json(body))`` with
``body = {seq, time, actor, action, subject, before, after}``, times as ISO-8601 UTC strings
(``2026-01-31T12:00:00.000000Z``) and ``prev_hash`` the previous event's hash (64 zeros for
the first). The one row of ``chain_head`` holds the last seq and hash; a writer locks it first
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite writers already hold the database lock from
``BEGIN IMMEDIATE``), which keeps the chain linear and serialises every write, so version
numbers and alias compare-and-sets are race-free too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic_core import PydanticSerializationError, to_jsonable_python
from sqlalchemy.engine import Connection

from cairn.catalog.driver_sql import DriverSql
from cairn.catalog.records import AuditReport, Event
from cairn.catalog.rows import AnyRow
from cairn.catalog.schema import CHAIN_HEAD, EVENTS, to_micros
from cairn.digest import canonical_json
from cairn.errors import CatalogError, InvalidInput

__all__ = ["GENESIS", "ChainWriter", "event_hash", "iso_time", "row_to_event", "verify_chain"]

GENESIS = "0" * 64
_VERIFY_BATCH = 1000


def iso_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def dump_json(value: dict[str, Any] | None) -> str | None:
    """Canonical JSON of an event's before/after; datetimes, paths, sets and the like are
    turned into plain JSON first (datetimes as ISO 8601)."""
    if value is None:
        return None
    try:
        return canonical_json(to_jsonable_python(value)).decode("utf-8")
    except (TypeError, ValueError, PydanticSerializationError) as exc:
        raise InvalidInput(f"an event's before/after must be plain JSON: {exc}") from exc


def event_hash(
    prev_hash: str,
    *,
    seq: int,
    time: datetime,
    actor: str,
    action: str,
    subject: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> str:
    body = {
        "seq": seq,
        "time": iso_time(time),
        "actor": actor,
        "action": action,
        "subject": subject,
        "before": before,
        "after": after,
    }
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(body)).hexdigest()


_READ_HEAD = sa.select(CHAIN_HEAD.c.seq, CHAIN_HEAD.c.hash).where(CHAIN_HEAD.c.id == 1)

# Every write runs these three: driver SQL (see driver_sql.py).
_SQL_READ_HEAD = "SELECT seq, hash FROM chain_head WHERE id = 1"
_SQL_MOVE_HEAD = "UPDATE chain_head SET seq = :seq, hash = :hash WHERE id = 1"
_SQL_INSERT_EVENT = (
    "INSERT INTO events (seq, time, actor, action, subject, before, after, prev_hash, hash) "
    "VALUES (:seq, :time, :actor, :action, :subject, :before, :after, :prev_hash, :hash)"
)


class ChainWriter:
    """Appends events inside one write transaction; created by :meth:`lock`."""

    def __init__(
        self, conn: Connection, sql: DriverSql, seq: int, head_hash: str, now: datetime
    ) -> None:
        self.conn = conn
        self.sql = sql
        self.seq = seq
        self.hash = head_hash
        self.now = now
        self._dirty = False

    @classmethod
    def lock(cls, conn: Connection, now: datetime) -> ChainWriter:
        sql = DriverSql(conn)
        row = sql.one(_SQL_READ_HEAD + (" FOR UPDATE" if sql.postgres else ""))
        if row is None:
            raise CatalogError(
                "the catalog has no chain head row",
                "the catalog is damaged or was not made by cairn; restore it from a backup",
            )
        return cls(conn, sql, int(row[0]), str(row[1]), now)

    def append(
        self,
        action: str,
        subject: str,
        *,
        actor: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> Event:
        # Round-trip through JSON so what is hashed is exactly what is stored and read back.
        before_text, after_text = dump_json(before), dump_json(after)
        before = None if before_text is None else json.loads(before_text)
        after = None if after_text is None else json.loads(after_text)
        seq = self.seq + 1
        digest = event_hash(
            self.hash,
            seq=seq,
            time=self.now,
            actor=actor,
            action=action,
            subject=subject,
            before=before,
            after=after,
        )
        self.sql.run(
            _SQL_INSERT_EVENT,
            {
                "seq": seq,
                "time": to_micros(self.now),
                "actor": actor,
                "action": action,
                "subject": subject,
                "before": before_text,
                "after": after_text,
                "prev_hash": self.hash,
                "hash": digest,
            },
        )
        event = Event(
            seq=seq,
            time=self.now,
            actor=actor,
            action=action,
            subject=subject,
            before=before,
            after=after,
            prev_hash=self.hash,
            hash=digest,
        )
        self.seq, self.hash, self._dirty = seq, digest, True
        return event

    def finish(self) -> None:
        """Move the chain head; call once, at the end of the transaction."""
        if self._dirty:
            self.sql.run(_SQL_MOVE_HEAD, {"seq": self.seq, "hash": self.hash})
            self._dirty = False


EVENT_COLUMNS = (
    EVENTS.c.seq,
    EVENTS.c.time,
    EVENTS.c.actor,
    EVENTS.c.action,
    EVENTS.c.subject,
    EVENTS.c.before,
    EVENTS.c.after,
    EVENTS.c.prev_hash,
    EVENTS.c.hash,
)


def row_to_event(row: AnyRow) -> Event:
    return Event(
        seq=row.seq,
        time=row.time,
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        before=None if row.before is None else json.loads(row.before),
        after=None if row.after is None else json.loads(row.after),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def _raw_events(conn: Connection, after: int, upto: int) -> Iterator[AnyRow]:
    last = after
    while True:
        rows = conn.execute(
            sa.select(*EVENT_COLUMNS)
            .where(EVENTS.c.seq > last, EVENTS.c.seq <= upto)
            .order_by(EVENTS.c.seq)
            .limit(_VERIFY_BATCH)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def _check_event(
    row: AnyRow, seq: int, expected_seq: int, prev_hash: str
) -> tuple[int, str] | None:
    """(seq, reason) of what is wrong with this entry, or None."""
    if seq != expected_seq:
        return expected_seq, f"event {expected_seq} is missing (next is {seq})"
    if row.prev_hash != prev_hash:
        return seq, f"event {seq} does not link to event {seq - 1} (prev_hash differs)"
    try:
        before = None if row.before is None else json.loads(row.before)
        after = None if row.after is None else json.loads(row.after)
    except ValueError:
        return seq, f"event {seq} has unreadable before/after JSON"
    recomputed = event_hash(
        prev_hash,
        seq=seq,
        time=row.time,
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        before=before,
        after=after,
    )
    if recomputed != row.hash:
        return seq, f"event {seq} was changed after it was written (hash mismatch)"
    return None


def verify_chain(conn: Connection) -> AuditReport:
    """Recompute every hash in seq order and check the chain head; report the first entry
    that does not check out.

    Writers may append while this runs: the log is checked up to the head read first, then
    up to wherever the head has moved, until no event lies beyond it. An event past a head
    that no longer moves was not written by cairn.
    """
    prev_hash, verified, checked = GENESIS, 0, 0

    def bad(at: int, reason: str) -> AuditReport:
        return AuditReport(ok=False, checked=checked, first_bad_seq=at, reason=reason)

    head = conn.execute(_READ_HEAD).one()
    while True:
        head_seq = int(head.seq)
        for row in _raw_events(conn, verified, head_seq):
            seq = int(row.seq)
            problem = _check_event(row, seq, verified + 1, prev_hash)
            if problem is not None:
                return bad(*problem)
            prev_hash, verified, checked = row.hash, seq, checked + 1
        if verified != head_seq or head.hash != prev_hash:
            return bad(
                verified + 1,
                f"the log ends at event {verified} but the chain head records event "
                f"{head_seq}: events were removed",
            )
        stray = conn.execute(sa.select(sa.func.min(EVENTS.c.seq)).where(EVENTS.c.seq > head_seq))
        first_beyond = stray.scalar()
        if first_beyond is None:
            return AuditReport(ok=True, checked=checked)
        head = conn.execute(_READ_HEAD).one()
        if int(head.seq) == head_seq:
            return bad(
                int(first_beyond),
                f"event {first_beyond} lies beyond the chain head (event {head_seq}): "
                "it was not appended by cairn",
            )
