"""The catalog's tables, as SQLAlchemy Core tables (named in capitals: a *model* in cairn is
an ML model, never a SQL row). Rows never leave the catalog: ``rows.py`` turns them into the
value types of ``records.py``. Core, not the ORM: every query is a Core statement, and
not importing ``sqlalchemy.orm`` saves ~80 ms in every process that opens a registry.

Layout, in short:

* ``models`` / ``versions`` hold everything a record shows, including JSON copies of params,
  metrics, tags, lineage and meta, so one row is one record (no N+1, one query per page);
* ``version_params`` / ``version_metrics`` / ``version_tags`` / ``model_tags`` repeat those
  key/values one per row, indexed, for the search language; params keep a text and a numeric
  column so ``params.depth > 4`` compares numbers;
* ``aliases`` (current) and ``alias_moves`` (history);
* ``events`` (the hash-chained audit log) and ``chain_head``, the single row every writer locks.

Times are stored as integer microseconds since the Unix epoch, UTC (:class:`Timestamp`): exact,
sortable and identical on SQLite and PostgreSQL.

Any change here needs a new migration in ``migrations/versions``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

__all__ = [
    "ALIASES",
    "ALIAS_MOVES",
    "CHAIN_HEAD",
    "DATASETS",
    "EVENTS",
    "METADATA",
    "METRICS",
    "MODELS",
    "MODEL_TAGS",
    "PARAMS",
    "PARENTS",
    "STATUSES",
    "TAGS",
    "VERSIONS",
    "Timestamp",
    "from_micros",
    "to_micros",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
STATUSES = ("ready", "archived", "deleted")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def to_micros(value: datetime) -> int:
    """Microseconds since the epoch; a naive datetime is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


class Timestamp(TypeDecorator[datetime]):
    """An aware UTC datetime stored as BIGINT microseconds."""

    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> int | None:
        return None if value is None else to_micros(value)

    def process_result_value(self, value: Any | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else from_micros(int(value))


def Json() -> sa.JSON:
    return sa.JSON(none_as_null=True)


def Digest() -> sa.types.TypeEngine[str]:
    # Byte order ("C") on PostgreSQL so prefix ranges (digest >= 'blake3:ab' ...) are exact.
    return sa.String(80).with_variant(sa.String(80, collation="C"), "postgresql")


METADATA = sa.MetaData(naming_convention=NAMING)


def _column(name: str, type_: Any, *args: Any, null: bool = False, **kw: Any) -> sa.Column[Any]:
    """A column that is NOT NULL unless ``null=True`` says otherwise."""
    return sa.Column(name, type_, *args, nullable=null, **kw)


def _version_fk() -> sa.Column[Any]:
    return _column(
        "version_id",
        sa.Integer,
        sa.ForeignKey("versions.id", ondelete="CASCADE"),
        primary_key=True,
    )


MODELS = sa.Table(
    "models",
    METADATA,
    _column("id", sa.Integer, primary_key=True),
    _column("name", sa.String(128), unique=True),
    _column("description", sa.Text, default=""),
    _column("owner", sa.String(255), null=True),
    _column("tags", Json(), default=dict),
    _column("created", Timestamp, index=True),
    _column("updated", Timestamp),
    # The last number handed out (never reused), the highest version not deleted, and how
    # many versions are not deleted: kept by the writers so reads need no aggregate.
    _column("last_number", sa.Integer, default=0),
    _column("latest_number", sa.Integer, null=True),
    _column("version_count", sa.Integer, default=0),
)

MODEL_TAGS = sa.Table(
    "model_tags",
    METADATA,
    _column(
        "model_id", sa.Integer, sa.ForeignKey("models.id", ondelete="CASCADE"), primary_key=True
    ),
    _column("key", sa.String(255), primary_key=True),
    _column("value", sa.Text),
    sa.Index(None, "key", "value"),
)

VERSIONS = sa.Table(
    "versions",
    METADATA,
    _column("id", sa.Integer, primary_key=True),
    _column("model_id", sa.Integer, sa.ForeignKey("models.id", ondelete="CASCADE")),
    _column("number", sa.Integer),
    _column("digest", Digest(), index=True),
    _column("size", sa.BigInteger),
    _column("file_count", sa.Integer),
    _column("flavor", sa.String(64), null=True),
    _column("description", sa.Text, default=""),
    _column("author", sa.String(255)),
    _column("created", Timestamp),
    _column("status", sa.String(16), default="ready"),
    _column("status_changed", Timestamp, null=True),
    _column("params", Json(), default=dict),
    _column("metrics", Json(), default=dict),
    _column("tags", Json(), default=dict),
    _column("git", Json(), null=True),
    _column("parents", Json(), default=list),
    _column("datasets", Json(), default=list),
    _column("meta", Json(), default=dict),
    sa.UniqueConstraint("model_id", "number"),
    sa.CheckConstraint(f"status IN {STATUSES!r}", name="status"),
    sa.Index(None, "created", "id"),
    sa.Index(None, "model_id", "created", "id"),
    sa.Index(None, "status", "status_changed"),
)

PARAMS = sa.Table(
    "version_params",
    METADATA,
    _version_fk(),
    _column("key", sa.String(255), primary_key=True),
    _column("value_text", sa.Text),
    _column("value_num", sa.Double, null=True),
    sa.Index(None, "key", "value_num"),
    sa.Index(None, "key", "value_text"),
)


def _sorted_values(name: str, value_type: Any) -> sa.Table:
    """A key/value table of versions whose values sort: ``model_id`` repeats the version's
    model (migration 0002) so "order by metrics.auc desc" reads an index in order, across
    models or within one."""
    return sa.Table(
        name,
        METADATA,
        _version_fk(),
        _column("key", sa.String(255), primary_key=True),
        _column("value", value_type),
        _column("model_id", sa.Integer, null=True),
        sa.Index(None, "key", "value", "version_id"),
        sa.Index(None, "model_id", "key", "value", "version_id"),
    )


METRICS = _sorted_values("version_metrics", sa.Double)
TAGS = _sorted_values("version_tags", sa.Text)

# Lineage by name and number, so it outlives a purged parent.
PARENTS = sa.Table(
    "version_parents",
    METADATA,
    _version_fk(),
    _column("position", sa.Integer, primary_key=True),
    _column("parent_model", sa.String(128)),
    _column("parent_number", sa.Integer),
    sa.Index(None, "parent_model", "parent_number"),
)

DATASETS = sa.Table(
    "version_datasets",
    METADATA,
    _version_fk(),
    _column("position", sa.Integer, primary_key=True),
    _column("name", sa.String(255)),
    _column("uri", sa.Text, default=""),
    _column("digest", sa.String(255), null=True, index=True),
)

ALIASES = sa.Table(
    "aliases",
    METADATA,
    _column(
        "model_id", sa.Integer, sa.ForeignKey("models.id", ondelete="CASCADE"), primary_key=True
    ),
    _column("alias", sa.String(64), primary_key=True),
    _column(
        "version_id", sa.Integer, sa.ForeignKey("versions.id", ondelete="RESTRICT"), index=True
    ),
    _column("updated", Timestamp),
)

ALIAS_MOVES = sa.Table(
    "alias_moves",
    METADATA,
    _column("id", sa.Integer, primary_key=True),
    _column("model_id", sa.Integer, sa.ForeignKey("models.id", ondelete="CASCADE")),
    _column("alias", sa.String(64)),
    _column("from_version", sa.Integer, null=True),
    _column("to_version", sa.Integer, null=True),
    _column("actor", sa.String(255)),
    _column("time", Timestamp),
    _column("reason", sa.Text, null=True),
    _column("seq", sa.BigInteger),
    sa.Index(None, "model_id", "alias", "seq"),
)

# One audit-log entry; ``before``/``after`` hold canonical JSON text, exactly as hashed.
EVENTS = sa.Table(
    "events",
    METADATA,
    _column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    _column("time", Timestamp),
    _column("actor", sa.String(255)),
    _column("action", sa.String(64), index=True),
    _column("subject", sa.String(300), index=True),
    _column("before", sa.Text, null=True),
    _column("after", sa.Text, null=True),
    _column("prev_hash", sa.String(64)),
    _column("hash", sa.String(64)),
)

# The one row (id 1) holding the last event's seq and hash; every writer locks it.
CHAIN_HEAD = sa.Table(
    "chain_head",
    METADATA,
    _column("id", sa.Integer, primary_key=True, autoincrement=False),
    _column("seq", sa.BigInteger),
    _column("hash", sa.String(64)),
)
