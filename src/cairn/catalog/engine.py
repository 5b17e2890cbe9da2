"""Database URLs and engines: SQLite in WAL mode with a busy timeout, or PostgreSQL via psycopg 3.

Transactions come in two kinds, chosen per engine with an execution option:

* write (``cairn_write=True``): SQLite starts them with ``BEGIN IMMEDIATE`` so writers queue on
  the database lock (waiting up to the busy timeout) instead of failing half-way; PostgreSQL
  writers queue on the chain-head row (``SELECT ... FOR UPDATE``, see ``events.py``);
* read: a plain ``BEGIN`` (SQLite) for a consistent snapshot under WAL;
* single (``cairn_single=True``): one-statement reads skip the BEGIN (SQLite runs each
  statement in its own implicit transaction), saving a round trip on the hottest paths.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine

from cairn.errors import CatalogError

__all__ = ["BUSY_TIMEOUT_MS", "is_postgres", "make_engine", "normalize_url"]

BUSY_TIMEOUT_MS = 60_000


def normalize_url(url: str) -> URL:
    """Map a user URL to the driver cairn uses (``postgresql://`` -> ``postgresql+psycopg``)."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise CatalogError(
            f"{url!r} is not a database URL",
            "use sqlite:///path/catalog.db or postgresql://user@host/db",
        ) from exc
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+pysqlite")
    raise CatalogError(
        f"cairn's catalog does not support {backend!r} databases",
        "use sqlite:///path/catalog.db or postgresql://user@host/db",
    )


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def make_engine(url: str) -> Engine:
    """An engine with cairn's connection settings; creates the SQLite file's folder."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return sa.create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        raise CatalogError(
            "an in-memory SQLite catalog cannot be shared between connections",
            "use a file: sqlite:///path/catalog.db",
        )
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, pool_size=5, max_overflow=10)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event decide how a transaction starts (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            # LIKE is case-sensitive, as on PostgreSQL; ILIKE is the case-blind one.
            cursor.execute("PRAGMA case_sensitive_like = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Straight to the driver: exec_driver_sql cost about a tenth of a small write.
        options = conn.get_execution_options()
        if options.get("cairn_write"):
            conn.connection.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
        elif not options.get("cairn_single"):
            conn.connection.driver_connection.execute("BEGIN")  # type: ignore[union-attr]

    return engine
