"""The catalog facade: one class, :class:`Catalog`, over the metadata database.

The methods live in one mixin per concept (``models.py``, ``versions.py``, ``aliases.py``,
``listing.py``); the audit log's are here.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cairn.catalog.events import EVENT_COLUMNS, row_to_event, verify_chain
from cairn.catalog.listing import ListingOps
from cairn.catalog.records import AuditReport, Event
from cairn.catalog.schema import EVENTS
from cairn.errors import InvalidInput

__all__ = ["Catalog"]


class Catalog(ListingOps):
    """Models, versions, aliases and the audit log in SQLite or PostgreSQL.

    ``Catalog("sqlite:///path/catalog.db")`` or ``Catalog("postgresql://user@host/db")``
    creates or upgrades the schema. Every mutation takes an ``actor`` and appends an event in
    its own transaction.
    """

    def events(
        self,
        *,
        after: int = 0,
        limit: int = 100,
        subject: str | None = None,
        action: str | None = None,
        model: str | None = None,
    ) -> list[Event]:
        """Events with ``seq > after``, oldest first. ``subject`` matches exactly
        (``fraud/3``), ``model`` matches the model and everything in it (``fraud``,
        ``fraud/3``, ``fraud@production``); ``action`` matches exactly, or a family with a
        trailing ``.*`` (``alias.*``)."""
        if not 1 <= limit <= 10_000:
            raise InvalidInput(f"limit {limit!r} is out of range", "use 1 to 10000")
        stmt = sa.select(*EVENT_COLUMNS).where(EVENTS.c.seq > after)
        if subject is not None:
            stmt = stmt.where(EVENTS.c.subject == subject)
        if model is not None:
            stmt = stmt.where(
                sa.or_(
                    EVENTS.c.subject == model,
                    EVENTS.c.subject.startswith(model + "/", autoescape=True),
                    EVENTS.c.subject.startswith(model + "@", autoescape=True),
                )
            )
        if action is not None:
            if action.endswith(".*"):
                stmt = stmt.where(EVENTS.c.action.startswith(action[:-1], autoescape=True))
            else:
                stmt = stmt.where(EVENTS.c.action == action)
        with self._read() as conn:
            rows = conn.execute(stmt.order_by(EVENTS.c.seq).limit(limit)).all()
            return [row_to_event(r) for r in rows]

    def append_event(
        self,
        action: str,
        subject: str,
        *,
        actor: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> Event:
        """Record a registry-level action (``gc``, ``push`` ...) in the audit log."""
        if not action or not subject:
            raise InvalidInput("an event needs an action and a subject")
        with self._write() as chain:
            return chain.append(action, subject, actor=actor, before=before, after=after)

    def last_seq(self) -> int:
        """The seq of the newest event (0 if none): where a follower starts."""
        with self._read() as conn:
            return int(
                conn.execute(sa.select(sa.func.coalesce(sa.func.max(EVENTS.c.seq), 0))).scalar_one()
            )

    def verify_audit(self) -> AuditReport:
        """Recompute the hash chain; the report names the first entry that does not match."""
        with self._read() as conn:
            return verify_chain(conn)
