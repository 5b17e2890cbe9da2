"""Keyset pagination: pages continue *after the last row's sort key*, never at an offset, so a
page costs the same at any depth and rows inserted meanwhile neither repeat nor vanish.

A page token is ``base64url(JSON {"k": [sort key values of the last row], "q": query id})``;
the query id (a hash of scope, filter and order) makes a token from another query an error.

Sort keys that may be NULL (a metric some versions lack) sort last: each becomes two keys,
``(value IS NULL) asc`` then the value.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from cairn.catalog.records import Page
from cairn.catalog.rows import AnyRow, AnySelect
from cairn.catalog.schema import from_micros, to_micros
from cairn.errors import InvalidInput

__all__ = ["MAX_LIMIT", "Phase", "SortKey", "fetch_page", "query_id"]

MAX_LIMIT = 1000
Expr = ColumnElement[Any]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SortKey:
    expr: Expr
    desc: bool = False
    nullable: bool = False


def query_id(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:16]


def _encode(values: list[Any], qid: str) -> str:
    plain = [{"t": to_micros(v)} if isinstance(v, datetime) else v for v in values]
    raw = json.dumps({"k": plain, "q": qid}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _bad_token() -> InvalidInput:
    return InvalidInput(
        "the page token does not belong to this listing",
        "pass the next_token of the previous page of the same query, or drop it to start over",
    )


def _decode(token: str, qid: str, width: int | None) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        values = [from_micros(int(v["t"])) if isinstance(v, dict) else v for v in data["k"]]
        ok = data["q"] == qid and (width is None or len(values) == width)
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError):
        ok = False
    if not ok:
        raise _bad_token()
    return list(values)


def _expand(keys: Sequence[SortKey]) -> list[tuple[Expr, bool, bool]]:
    """(expr, desc, is_null_flag) components, NULL flags inserted before nullable keys."""
    out: list[tuple[Expr, bool, bool]] = []
    for key in keys:
        if key.nullable:
            out.append((sa.case((key.expr.is_(None), 1), else_=0), False, True))
        out.append((key.expr, key.desc, False))
    return out


def _after(components: list[tuple[Expr, bool, bool]], values: list[Any]) -> Any:
    """Rows strictly after ``values`` in the sort order (an OR of prefix-equal terms)."""
    terms: list[Any] = []
    equal: list[Any] = []
    for (expr, desc, _flag), value in zip(components, values, strict=True):
        if value is not None:
            beyond = expr < value if desc else expr > value
            terms.append(sa.and_(*equal, beyond))
            equal.append(expr == value)
        else:
            equal.append(expr.is_(None))
    cond = sa.or_(*terms) if terms else sa.false()
    first, desc, flag = components[0]
    if not flag and values[0] is not None:
        # A plain bound on the leading key lets the database range-scan its index.
        cond = sa.and_(first <= values[0] if desc else first >= values[0], cond)
    return cond


@dataclass(frozen=True, slots=True)
class Phase:
    """One part of a listing: a statement and the keys it is ordered by (the last key must
    make rows unique). A listing of several phases returns all of the first, then all of
    the second...; e.g. versions that have a metric, by that metric, then those lacking it."""

    stmt: AnySelect
    keys: Sequence[SortKey]


def _run_phase(
    conn: Connection, phase: Phase, n: int, after: list[Any] | None
) -> list[tuple[AnyRow, list[Any]]]:
    components = _expand(phase.keys)
    labels = [f"_k{i}" for i in range(len(components))]
    stmt = phase.stmt.add_columns(
        *(expr.label(label) for (expr, _, _), label in zip(components, labels, strict=True))
    )
    if after is not None:
        stmt = stmt.where(_after(components, after))
    order = [expr.desc() if desc else expr.asc() for expr, desc, _ in components]
    rows = conn.execute(stmt.order_by(*order).limit(n)).all()
    return [(row, [row._mapping[label] for label in labels]) for row in rows]


def fetch_page(
    conn: Connection,
    stmt: AnySelect | Sequence[Phase],
    keys: Sequence[SortKey] = (),
    *,
    limit: int,
    page_token: str | None,
    qid: str,
    convert: Callable[[AnyRow], T],
) -> Page[T]:
    """One page of ``stmt`` ordered by ``keys`` (the last must make rows unique), or of a
    sequence of phases. The token holds the phase and the last row's sort key."""
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit {limit!r} is out of range", f"use 1 to {MAX_LIMIT}")
    phases = [Phase(stmt, keys)] if isinstance(stmt, sa.Select) else list(stmt)
    start, after = 0, None
    if page_token:
        start, after = _decode_position(page_token, qid, phases)
    found: list[tuple[int, AnyRow, list[Any]]] = []
    for index in range(start, len(phases)):
        # One row more than needed tells whether another page follows.
        rows = _run_phase(
            conn, phases[index], limit + 1 - len(found), after if index == start else None
        )
        found.extend((index, row, values) for row, values in rows)
        if len(found) > limit:
            break
    token = None
    if len(found) > limit:
        index, _, values = found[limit - 1]
        token = _encode([index, *values] if len(phases) > 1 else values, qid)
    return Page[T](items=[convert(row) for _, row, _ in found[:limit]], next_token=token)


def _decode_position(token: str, qid: str, phases: list[Phase]) -> tuple[int, list[Any]]:
    if len(phases) == 1:
        return 0, _decode(token, qid, len(_expand(phases[0].keys)))
    values = _decode(token, qid, None)
    index = values[0] if values else None
    if not isinstance(index, int) or not 0 <= index < len(phases):
        raise _bad_token()
    rest = values[1:]
    if len(rest) != len(_expand(phases[index].keys)):
        raise _bad_token()
    return index, rest
