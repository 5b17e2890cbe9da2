"""The hottest writes as driver SQL, on the transaction's own connection.

Creating a version runs five statements: lock the chain head, bump the model's version
number, insert the version, insert its event, move the chain head. Through SQLAlchemy Core
each costs ~40 µs of Python around ~10 µs of database work, most of the whole write. These
statements alone are written here as SQL text and run on the DB-API cursor of the connection
SQLAlchemy opened, inside the transaction it began (and commits); everything else stays Core.

SQL is written once, with ``:name`` parameters and ``:name!json`` for a JSON column; for
PostgreSQL (psycopg 3) they become ``%(name)s`` and ``CAST(%(name)s AS JSON)``. Driver errors
are raised as SQLAlchemy's own exception types, so callers handle one family either way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

__all__ = ["DriverSql", "json_value"]

_PARAM = re.compile(r":(\w+)(!json)?")


def json_value(value: Any) -> str | None:
    """A JSON column's parameter: text, or NULL for None (like ``JSON(none_as_null=True)``)."""
    return None if value is None else json.dumps(value)


@lru_cache(maxsize=64)
def _translate(sql: str, postgres: bool) -> str:
    if not postgres:
        return _PARAM.sub(r":\1", sql)
    return _PARAM.sub(
        lambda m: f"CAST(%({m[1]})s AS JSON)" if m[2] else f"%({m[1]})s", sql.replace("%", "%%")
    )


class DriverSql:
    """Runs SQL text on the DB-API connection under a SQLAlchemy ``Connection``."""

    def __init__(self, conn: Connection) -> None:
        self._dialect = conn.dialect
        self.postgres = conn.dialect.name == "postgresql"
        dbapi_connection = conn.connection.dbapi_connection
        assert dbapi_connection is not None, "the connection is closed"
        self._cursor = dbapi_connection.cursor()

    def run(self, sql: str, params: Mapping[str, Any]) -> None:
        self._execute(sql, params, many=False)

    def one(self, sql: str, params: Mapping[str, Any] | None = None) -> tuple[Any, ...] | None:
        """The first row of a query (or of ``RETURNING``), or None."""
        self._execute(sql, params or {}, many=False)
        row = self._cursor.fetchone()
        return None if row is None else tuple(row)

    def many(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self._execute(sql, rows, many=True)

    def _execute(self, sql: str, params: Any, *, many: bool) -> None:
        text = _translate(sql, self.postgres)
        dbapi = self._dialect.loaded_dbapi
        try:
            if many:
                self._cursor.executemany(text, params)
            else:
                self._cursor.execute(text, params)
        except dbapi.Error as exc:
            raise sa.exc.DBAPIError.instance(
                text, params, exc, dbapi.Error, dialect=self._dialect, ismulti=many
            ) from exc
