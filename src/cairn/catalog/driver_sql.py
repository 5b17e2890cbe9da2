"""The hottest statements as driver SQL, on the connection SQLAlchemy opened.

Creating a version runs five statements: lock the chain head, bump the model's version
number, insert the version, insert its event, move the chain head. Through SQLAlchemy Core
each costs ~40 µs of Python around ~10 µs of database work, most of the whole write. These
statements alone are written here as SQL text and run on the DB-API cursor of the connection
SQLAlchemy opened, inside the transaction it began (and commits); everything else stays Core.

SQL is written once, with ``:name`` parameters and ``:name!json`` for a JSON column; for
PostgreSQL (psycopg 3) they become ``%(name)s`` and ``CAST(%(name)s AS JSON)``. Driver errors
are raised as SQLAlchemy's own exception types, so callers handle one family either way.

The hottest reads (a version by alias, number or ``latest``: every resolve and every load)
keep their Core definition: :func:`fetch_one` compiles it once per dialect, runs the SQL on
the driver, and converts the JSON and timestamp columns itself, into a row with the same
attribute names a Core row has.
"""

from __future__ import annotations

import json
import re
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from cairn.catalog.schema import Timestamp, from_micros

__all__ = ["DriverSql", "fetch_one", "json_value"]

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


def _execute(cursor: Any, dialect: Dialect, sql: str, params: Any) -> None:
    """Run one statement; a driver error is raised as SQLAlchemy's exception for it."""
    dbapi = dialect.loaded_dbapi
    try:
        cursor.execute(sql, params)
    except dbapi.Error as exc:
        raise sa.exc.DBAPIError.instance(sql, params, exc, dbapi.Error, dialect=dialect) from exc


def _cursor(conn: Connection) -> Any:
    dbapi_connection = conn.connection.dbapi_connection
    assert dbapi_connection is not None, "the connection is closed"
    return dbapi_connection.cursor()


class DriverSql:
    """Runs SQL text on the DB-API connection under a SQLAlchemy ``Connection``."""

    def __init__(self, conn: Connection) -> None:
        self._dialect = conn.dialect
        self.postgres = conn.dialect.name == "postgresql"
        self._cursor = _cursor(conn)

    def run(self, sql: str, params: Mapping[str, Any]) -> None:
        _execute(self._cursor, self._dialect, _translate(sql, self.postgres), params)

    def one(self, sql: str, params: Mapping[str, Any] | None = None) -> tuple[Any, ...] | None:
        """The first row of a query (or of ``RETURNING``), or None."""
        self.run(sql, params or {})
        row = self._cursor.fetchone()
        return None if row is None else tuple(row)


@dataclass(frozen=True, slots=True)
class _Query:
    sql: str
    order: Sequence[str] | None  # parameter names in order, for a positional driver
    defaults: Mapping[str, Any]  # values bound in the statement itself
    row: Callable[..., Any]
    convert: Sequence[tuple[int, Callable[[Any], Any]]]


# Keyed by the statement itself (hashed by identity), which the cache keeps alive.
_queries: dict[tuple[sa.Select[Any], str], _Query] = {}


def _compile(stmt: sa.Select[Any], dialect: Dialect) -> _Query:
    compiled = stmt.compile(dialect=dialect)
    parse_json = dialect.name != "postgresql"  # psycopg hands JSON back already parsed
    convert: list[tuple[int, Callable[[Any], Any]]] = []
    for i, column in enumerate(stmt.selected_columns):
        if isinstance(column.type, Timestamp):
            convert.append((i, from_micros))
        elif isinstance(column.type, sa.JSON) and parse_json:
            convert.append((i, json.loads))
    names = [column.name for column in stmt.selected_columns]
    row_type: Any = namedtuple("DriverRow", names)  # type: ignore[misc]
    # Values fixed in the statement: literal ones (a separator) are rendered into the SQL,
    # as SQLAlchemy does when it executes; the others are sent with every execution.
    sql, inline = str(compiled), set()
    for bind in compiled.literal_execute_params:
        name = compiled.bind_names[bind]
        render = bind.type.literal_processor(dialect)
        assert render is not None, f"{bind.type} cannot be rendered as a literal"
        sql = sql.replace(f"__[POSTCOMPILE_{name}]", render(bind.effective_value))
        inline.add(name)
    defaults = {
        name: bind.effective_value
        for bind, name in compiled.bind_names.items()
        if not bind.required and name not in inline
    }
    order = compiled.positiontup
    return _Query(
        sql=sql,
        order=None if order is None else [n for n in order if n not in inline],
        defaults=defaults,
        row=row_type._make,
        convert=convert,
    )


def fetch_one(conn: Connection, stmt: sa.Select[Any], params: Mapping[str, str | int]) -> Any:
    """The first row of ``stmt`` (a module-level Core SELECT whose parameters are plain strings
    and integers), run on the driver, as a named tuple; None if there is none."""
    key = (stmt, conn.dialect.name)
    query = _queries.get(key)
    if query is None:
        query = _queries[key] = _compile(stmt, conn.dialect)
    values = {**query.defaults, **params}
    bound: Any = values if query.order is None else [values[n] for n in query.order]
    cursor = _cursor(conn)
    try:
        _execute(cursor, conn.dialect, query.sql, bound)
        raw = cursor.fetchone()
    finally:
        cursor.close()
    if raw is None:
        return None
    row = list(raw)
    for i, fn in query.convert:
        if row[i] is not None:
            row[i] = fn(row[i])
    return query.row(row)
