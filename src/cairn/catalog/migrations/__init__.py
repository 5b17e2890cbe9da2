"""Schema migrations (Alembic), shipped inside the package and run when a catalog opens.

Opening a catalog compares the database's revision (table ``alembic_version``) with
:data:`HEAD`: equal is the fast path (Alembic is not even imported); a known older revision is
upgraded in one transaction, under the writers' lock; an unknown revision was written by a newer
cairn, and opening it is refused.

To change the schema: edit ``schema.py``, add ``versions/vNNNN_<what>.py`` with
``down_revision`` set to the previous head, and append its id to :data:`REVISIONS`.
``tests/catalog/test_migrations.py`` checks that the scripts, this list and ``schema.py`` agree.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from cairn.errors import CatalogError

__all__ = ["HEAD", "REVISIONS", "current_revision", "ensure_schema", "script_location"]

REVISIONS: tuple[str, ...] = ("0001", "0002", "0003")
HEAD = REVISIONS[-1]
_PG_LOCK_KEY = 0x636169726E  # "cairn": serialises concurrent first opens on PostgreSQL


def script_location() -> str:
    return str(Path(__file__).parent)


def current_revision(conn: Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    rows = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:
        raise CatalogError(
            f"the catalog has several schema heads ({', '.join(rows)})",
            "this database was migrated by a branch of cairn; restore it from a backup",
        )
    return rows[0] if rows else None


def _check_known(revision: str | None) -> None:
    if revision is not None and revision not in REVISIONS:
        raise CatalogError(
            f"the catalog's schema ({revision}) is newer than this cairn understands "
            f"(up to {HEAD})",
            "upgrade cairn (pip install -U cairn) to open this registry",
        )


def ensure_schema(engine: Engine) -> None:
    """Create or upgrade the schema to :data:`HEAD`; refuse a schema from a newer cairn."""
    with engine.connect() as conn:
        revision = current_revision(conn)
    _check_known(revision)
    if revision == HEAD:
        return
    from alembic import command
    from alembic.config import Config

    with engine.execution_options(cairn_write=True).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK_KEY)))
        # Another process may have migrated while we waited for the lock.
        revision = current_revision(conn)
        _check_known(revision)
        if revision == HEAD:
            return
        config = Config()
        config.set_main_option("script_location", script_location())
        config.attributes["connection"] = conn
        command.upgrade(config, HEAD)
