"""The catalog's tables, as typed SQLAlchemy 2.0 declarative classes.

Row classes end in ``Row`` (a *model* in cairn is an ML model, never a SQL row). Rows never
leave the catalog: ``rows.py`` turns them into the value types of ``records.py``.

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
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "ALIASES",
    "ALIAS_MOVES",
    "CHAIN_HEAD",
    "DATASETS",
    "EVENTS",
    "METRICS",
    "MODELS",
    "MODEL_TAGS",
    "PARAMS",
    "PARENTS",
    "STATUSES",
    "TAGS",
    "VERSIONS",
    "AliasMoveRow",
    "AliasRow",
    "Base",
    "ChainHeadRow",
    "EventRow",
    "ModelRow",
    "ModelTagRow",
    "Timestamp",
    "VersionDatasetRow",
    "VersionMetricRow",
    "VersionParamRow",
    "VersionParentRow",
    "VersionRow",
    "VersionTagRow",
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


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)


class ModelRow(Base):
    __tablename__ = "models"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(128), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    owner: Mapped[str | None] = mapped_column(sa.String(255))
    tags: Mapped[dict[str, str]] = mapped_column(Json(), default=dict)
    created: Mapped[datetime] = mapped_column(Timestamp, index=True)
    updated: Mapped[datetime] = mapped_column(Timestamp)
    # The last number handed out (never reused), the highest version not deleted, and how
    # many versions are not deleted: kept by the writers so reads need no aggregate.
    last_number: Mapped[int] = mapped_column(sa.Integer, default=0)
    latest_number: Mapped[int | None] = mapped_column(sa.Integer)
    version_count: Mapped[int] = mapped_column(sa.Integer, default=0)


class ModelTagRow(Base):
    __tablename__ = "model_tags"
    __table_args__ = (sa.Index(None, "key", "value"),)

    model_id: Mapped[int] = mapped_column(
        sa.ForeignKey("models.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)


class VersionRow(Base):
    __tablename__ = "versions"
    __table_args__ = (
        sa.UniqueConstraint("model_id", "number"),
        sa.CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        sa.Index(None, "created", "id"),
        sa.Index(None, "model_id", "created", "id"),
        sa.Index(None, "status", "status_changed"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(sa.ForeignKey("models.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(sa.Integer)
    digest: Mapped[str] = mapped_column(Digest(), index=True)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    file_count: Mapped[int] = mapped_column(sa.Integer)
    flavor: Mapped[str | None] = mapped_column(sa.String(64))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    author: Mapped[str] = mapped_column(sa.String(255))
    created: Mapped[datetime] = mapped_column(Timestamp)
    status: Mapped[str] = mapped_column(sa.String(16), default="ready")
    status_changed: Mapped[datetime | None] = mapped_column(Timestamp)
    params: Mapped[dict[str, Any]] = mapped_column(Json(), default=dict)
    metrics: Mapped[dict[str, float]] = mapped_column(Json(), default=dict)
    tags: Mapped[dict[str, str]] = mapped_column(Json(), default=dict)
    git: Mapped[dict[str, Any] | None] = mapped_column(Json())
    parents: Mapped[list[dict[str, Any]]] = mapped_column(Json(), default=list)
    datasets: Mapped[list[dict[str, Any]]] = mapped_column(Json(), default=list)
    meta: Mapped[dict[str, Any]] = mapped_column(Json(), default=dict)


def _version_fk() -> Mapped[int]:
    return mapped_column(sa.ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True)


class VersionParamRow(Base):
    __tablename__ = "version_params"
    __table_args__ = (sa.Index(None, "key", "value_num"), sa.Index(None, "key", "value_text"))

    version_id: Mapped[int] = _version_fk()
    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    value_text: Mapped[str] = mapped_column(sa.Text)
    value_num: Mapped[float | None] = mapped_column(sa.Double)


class VersionMetricRow(Base):
    """``model_id`` repeats the version's model (migration 0002) so that "order by
    metrics.auc desc" reads an index in order, across models or within one."""

    __tablename__ = "version_metrics"
    __table_args__ = (
        sa.Index(None, "key", "value", "version_id"),
        sa.Index(None, "model_id", "key", "value", "version_id"),
    )

    version_id: Mapped[int] = _version_fk()
    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    value: Mapped[float] = mapped_column(sa.Double)
    model_id: Mapped[int | None] = mapped_column(sa.Integer)


class VersionTagRow(Base):
    __tablename__ = "version_tags"
    __table_args__ = (
        sa.Index(None, "key", "value", "version_id"),
        sa.Index(None, "model_id", "key", "value", "version_id"),
    )

    version_id: Mapped[int] = _version_fk()
    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)
    model_id: Mapped[int | None] = mapped_column(sa.Integer)


class VersionParentRow(Base):
    """Lineage by name and number, so it outlives a purged parent."""

    __tablename__ = "version_parents"
    __table_args__ = (sa.Index(None, "parent_model", "parent_number"),)

    version_id: Mapped[int] = _version_fk()
    position: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    parent_model: Mapped[str] = mapped_column(sa.String(128))
    parent_number: Mapped[int] = mapped_column(sa.Integer)


class VersionDatasetRow(Base):
    __tablename__ = "version_datasets"

    version_id: Mapped[int] = _version_fk()
    position: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    uri: Mapped[str] = mapped_column(sa.Text, default="")
    digest: Mapped[str | None] = mapped_column(sa.String(255), index=True)


class AliasRow(Base):
    __tablename__ = "aliases"

    model_id: Mapped[int] = mapped_column(
        sa.ForeignKey("models.id", ondelete="CASCADE"), primary_key=True
    )
    alias: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("versions.id", ondelete="RESTRICT"), index=True
    )
    updated: Mapped[datetime] = mapped_column(Timestamp)


class AliasMoveRow(Base):
    __tablename__ = "alias_moves"
    __table_args__ = (sa.Index(None, "model_id", "alias", "seq"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(sa.ForeignKey("models.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(sa.String(64))
    from_version: Mapped[int | None] = mapped_column(sa.Integer)
    to_version: Mapped[int | None] = mapped_column(sa.Integer)
    actor: Mapped[str] = mapped_column(sa.String(255))
    time: Mapped[datetime] = mapped_column(Timestamp)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    seq: Mapped[int] = mapped_column(sa.BigInteger)


class EventRow(Base):
    """One audit-log entry; ``before``/``after`` hold canonical JSON text, exactly as hashed."""

    __tablename__ = "events"

    seq: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    time: Mapped[datetime] = mapped_column(Timestamp)
    actor: Mapped[str] = mapped_column(sa.String(255))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    subject: Mapped[str] = mapped_column(sa.String(300), index=True)
    before: Mapped[str | None] = mapped_column(sa.Text)
    after: Mapped[str | None] = mapped_column(sa.Text)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class ChainHeadRow(Base):
    """The one row (id 1) holding the last event's seq and hash; every writer locks it."""

    __tablename__ = "chain_head"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    hash: Mapped[str] = mapped_column(sa.String(64))


# Core tables: the catalog's queries are built on these (plain Core statements skip the ORM's
# per-execution work, which is most of the cost of a sub-millisecond read).
MODELS = cast(sa.Table, ModelRow.__table__)
MODEL_TAGS = cast(sa.Table, ModelTagRow.__table__)
VERSIONS = cast(sa.Table, VersionRow.__table__)
PARAMS = cast(sa.Table, VersionParamRow.__table__)
METRICS = cast(sa.Table, VersionMetricRow.__table__)
TAGS = cast(sa.Table, VersionTagRow.__table__)
PARENTS = cast(sa.Table, VersionParentRow.__table__)
DATASETS = cast(sa.Table, VersionDatasetRow.__table__)
ALIASES = cast(sa.Table, AliasRow.__table__)
ALIAS_MOVES = cast(sa.Table, AliasMoveRow.__table__)
EVENTS = cast(sa.Table, EventRow.__table__)
CHAIN_HEAD = cast(sa.Table, ChainHeadRow.__table__)
