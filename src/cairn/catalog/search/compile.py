"""Filter trees to SQLAlchemy conditions (bound parameters only, never formatted SQL).

Key/value fields (``metrics.x``, ``params.x``, ``tags.x``) become ``EXISTS (SELECT FROM
version_metrics WHERE version_id = versions.id AND key = :k AND value > :v)``. A
version without that key never matches a comparison, negative ones included (``!=``,
``not in``, ``not like`` mean "has the key, with another value"); a leading ``not`` is how
to include versions that lack it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from cairn.catalog.schema import (
    ALIASES,
    METRICS,
    MODEL_TAGS,
    MODELS,
    PARAMS,
    STATUSES,
    TAGS,
    VERSIONS,
)
from cairn.catalog.search.lexer import filter_error
from cairn.catalog.search.parser import And, Compare, Field, Node, Not, Or, Value, parse

__all__ = ["MODEL_FIELDS", "VERSION_FIELDS", "model_filter", "single_model", "version_filter"]

Cond = ColumnElement[bool]
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

VERSION_FIELDS = (
    "metrics.<key>",
    "params.<key>",
    "tags.<key>",
    "model (or name)",
    "version (or number)",
    "created",
    "status_changed",
    "author",
    "status",
    "alias",
    "flavor",
    "digest",
    "description",
    "size",
)
MODEL_FIELDS = ("name", "owner", "tags.<key>", "created", "updated", "description")


@dataclass(frozen=True, slots=True)
class _Ctx:
    source: str

    def error(self, column: int, what: str) -> Exception:
        return filter_error(self.source, column, what)


def _compare(column: Any, op: str, value: Any) -> Cond:
    ops: dict[str, Callable[[Any, Any], Cond]] = {
        "=": lambda c, v: c == v,
        "!=": lambda c, v: c != v,
        "<": lambda c, v: c < v,
        "<=": lambda c, v: c <= v,
        ">": lambda c, v: c > v,
        ">=": lambda c, v: c >= v,
        "like": lambda c, v: c.like(v),
        "ilike": lambda c, v: c.ilike(v),
    }
    return ops[op](column, value)


def _apply(ctx: _Ctx, node: Compare, column: Any, convert: Callable[[Value], Any]) -> Cond:
    """``column <op> value(s)``, with ``not in`` / ``not like``."""
    if node.op == "in":
        cond: Cond = column.in_([convert(v) for v in node.values])
    else:
        cond = _compare(column, node.op, convert(node.values[0]))
    return sa.not_(cond) if node.negated else cond


def _as_text(ctx: _Ctx, field: Field) -> Callable[[Value], str]:
    def convert(value: Value) -> str:
        if isinstance(value.value, bool):
            return value.text
        return value.text if isinstance(value.value, float) else str(value.value)

    return convert


def _as_number(ctx: _Ctx, field: Field) -> Callable[[Value], float]:
    def convert(value: Value) -> float:
        if isinstance(value.value, float):
            return value.value
        raise ctx.error(value.column, f"{field} compares with numbers, not {value.text!r}")

    return convert


def _as_int(ctx: _Ctx, field: Field) -> Callable[[Value], int]:
    def convert(value: Value) -> int:
        if isinstance(value.value, float) and value.value.is_integer():
            return int(value.value)
        raise ctx.error(value.column, f"{field} compares with whole numbers, not {value.text!r}")

    return convert


def _parse_time(ctx: _Ctx, value: Value) -> tuple[datetime, bool]:
    """The instant a value names, and whether it is a whole day (a date without a time)."""
    text = value.value
    if not isinstance(text, str):
        raise ctx.error(value.column, f'expected a date like "2026-01-31", found {value.text}')
    try:
        if _DATE.fullmatch(text):
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC), True
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ctx.error(
            value.column,
            f"{text!r} is not a date or time (use ISO 8601: 2026-01-31 or 2026-01-31T12:00:00Z)",
        ) from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)), False


def _time_condition(ctx: _Ctx, node: Compare, column: Any) -> Cond:
    """Times: a date-only value means the whole day (``created = "2026-01-31"``)."""
    if node.op in ("like", "ilike"):
        raise ctx.error(node.field.column, f"{node.field} cannot be matched with {node.op}")
    conds: list[Cond] = []
    for value in node.values:
        start, whole_day = _parse_time(ctx, value)
        end = start + timedelta(days=1) if whole_day else start
        op = "=" if node.op == "in" else node.op
        if not whole_day:
            conds.append(_compare(column, op, start))
        elif op == "=":
            conds.append(sa.and_(column >= start, column < end))
        elif op == "!=":
            conds.append(sa.or_(column < start, column >= end))
        elif op in ("<", ">="):
            conds.append(_compare(column, op, start))
        else:  # "<=" -> before the end of that day; ">" -> after it
            conds.append(column < end if op == "<=" else column >= end)
    cond = conds[0] if len(conds) == 1 else sa.or_(*conds)
    return sa.not_(cond) if node.negated else cond


def _key(ctx: _Ctx, field: Field) -> str:
    if not field.key:
        raise ctx.error(field.column, f"{field.name} needs a key, e.g. {field.name}.name")
    return field.key


_VERSION_NAMES = frozenset(
    [
        "model",
        "name",
        "version",
        "number",
        "created",
        "status_changed",
        "author",
        "status",
        "alias",
        "flavor",
        "digest",
        "description",
        "size",
    ]
)
_MODEL_NAMES = frozenset(["name", "model", "owner", "description", "created", "updated"])


def _no_key(ctx: _Ctx, field: Field, known: frozenset[str], listing: tuple[str, ...]) -> None:
    if field.name not in known:
        raise ctx.error(
            field.column, f"unknown field {str(field)!r}; fields are: {', '.join(listing)}"
        )
    if field.key is not None:
        raise ctx.error(field.column, f"{field.name} has no keys (drop .{field.key})")


def _text_only(ctx: _Ctx, node: Compare) -> None:
    if node.op in ("<", "<=", ">", ">="):
        raise ctx.error(node.field.column, f"{node.field} cannot be compared with {node.op}")


def _has(table: sa.Table, key: str, inner: Cond) -> Cond:
    """The version has ``key`` in ``table`` with a value meeting ``inner``: a correlated
    EXISTS, probed by primary key (version_id, key) for each row the page scan visits, so a
    page stops after ``limit`` matches instead of collecting every match first."""
    return sa.exists().where(table.c.version_id == VERSIONS.c.id, table.c.key == key, inner)


def _params(ctx: _Ctx, node: Compare, key: str) -> Cond:
    """Numbers compare with the numeric reading, strings and booleans with the text."""
    numbers = [v for v in node.values if isinstance(v.value, float)]
    texts = [v for v in node.values if not isinstance(v.value, float)]
    conds: list[Cond] = []
    for column, group, convert in (
        (PARAMS.c.value_num, numbers, lambda v: v.value),
        (PARAMS.c.value_text, texts, _as_text(ctx, node.field)),
    ):
        if not group:
            continue
        if node.op == "in":
            conds.append(column.in_([convert(v) for v in group]))
        else:
            conds.append(_compare(column, node.op, convert(group[0])))
    inner = conds[0] if len(conds) == 1 else sa.or_(*conds)
    return _has(PARAMS, key, sa.not_(inner) if node.negated else inner)


def _model_name(ctx: _Ctx, node: Compare) -> Cond:
    """``model = "x"`` becomes ``model_id = (SELECT id FROM models WHERE name = 'x')``: a
    constant to the planner, so the (model_id, created, id) and (model_id, number) indexes
    serve the page in order. Other operators select the model ids with a subquery."""
    if node.op == "=" and not node.negated:
        wanted = sa.select(MODELS.c.id).where(
            MODELS.c.name == _as_text(ctx, node.field)(node.values[0])
        )
        return VERSIONS.c.model_id == wanted.correlate(None).scalar_subquery()
    negate = node.negated != (node.op == "!=")
    op = "=" if node.op == "!=" else node.op
    names = _apply(
        ctx, Compare(node.field, op, node.values), MODELS.c.name, _as_text(ctx, node.field)
    )
    cond = VERSIONS.c.model_id.in_(sa.select(MODELS.c.id).where(names).correlate(None))
    return sa.not_(cond) if negate else cond


def _version_compare(ctx: _Ctx, node: Compare) -> Cond:
    field = node.field
    name = field.name
    if name in ("metrics", "metric"):
        key = _key(ctx, field)
        if node.op in ("like", "ilike"):
            raise ctx.error(field.column, f"{field} is a number; use =, <, > ... not {node.op}")
        inner = _apply(
            ctx,
            node,
            METRICS.c.value,
            _as_number(ctx, field),
        )
        return _has(METRICS, key, inner)
    if name in ("params", "param"):
        return _params(ctx, node, _key(ctx, field))
    if name in ("tags", "tag"):
        key = _key(ctx, field)
        inner = _apply(ctx, node, TAGS.c.value, _as_text(ctx, field))
        return _has(TAGS, key, inner)
    _no_key(ctx, field, _VERSION_NAMES, VERSION_FIELDS)
    if name in ("model", "name"):
        return _model_name(ctx, node)
    if name in ("version", "number"):
        if node.op in ("like", "ilike"):
            raise ctx.error(field.column, f"{field} is a number; use =, <, > ... not {node.op}")
        return _apply(ctx, node, VERSIONS.c.number, _as_int(ctx, field))
    if name == "size":
        if node.op in ("like", "ilike"):
            raise ctx.error(field.column, f"{field} is a number; use =, <, > ... not {node.op}")
        return _apply(ctx, node, VERSIONS.c.size, _as_int(ctx, field))
    if name in ("created", "status_changed"):
        column = VERSIONS.c.created if name == "created" else VERSIONS.c.status_changed
        return _time_condition(ctx, node, column)
    if name == "status":
        for value in node.values:
            if node.op not in ("like", "ilike") and value.value not in STATUSES:
                raise ctx.error(
                    value.column, f"status is one of ready, archived, deleted, not {value.text!r}"
                )
        return _apply(ctx, node, VERSIONS.c.status, _as_text(ctx, field))
    if name == "alias":
        # alias = x: the version holds alias x; alias != x: it does not.
        _text_only(ctx, node)
        negate = node.negated != (node.op == "!=")
        op = "=" if node.op == "!=" else node.op
        inner = _apply(ctx, Compare(field, op, node.values), ALIASES.c.alias, _as_text(ctx, field))
        cond = sa.exists().where(ALIASES.c.version_id == VERSIONS.c.id, inner)
        return sa.not_(cond) if negate else cond
    columns: dict[str, Any] = {
        "author": VERSIONS.c.author,
        "flavor": VERSIONS.c.flavor,
        "digest": VERSIONS.c.digest,
        "description": VERSIONS.c.description,
    }
    if name in columns:
        return _apply(ctx, node, columns[name], _as_text(ctx, field))
    raise ctx.error(
        field.column, f"unknown field {str(field)!r}; fields are: {', '.join(VERSION_FIELDS)}"
    )


def _model_compare(ctx: _Ctx, node: Compare) -> Cond:
    field = node.field
    if field.name in ("tags", "tag"):
        key = _key(ctx, field)
        inner = _apply(ctx, node, MODEL_TAGS.c.value, _as_text(ctx, field))
        return sa.exists().where(
            MODEL_TAGS.c.model_id == MODELS.c.id, MODEL_TAGS.c.key == key, inner
        )
    _no_key(ctx, field, _MODEL_NAMES, MODEL_FIELDS)
    if field.name in ("created", "updated"):
        column = MODELS.c.created if field.name == "created" else MODELS.c.updated
        return _time_condition(ctx, node, column)
    columns: dict[str, Any] = {
        "name": MODELS.c.name,
        "model": MODELS.c.name,
        "owner": MODELS.c.owner,
        "description": MODELS.c.description,
    }
    if field.name in columns:
        return _apply(ctx, node, columns[field.name], _as_text(ctx, field))
    raise ctx.error(
        field.column, f"unknown field {str(field)!r}; fields are: {', '.join(MODEL_FIELDS)}"
    )


def _build(ctx: _Ctx, node: Node, leaf: Callable[[_Ctx, Compare], Cond]) -> Cond:
    if isinstance(node, And):
        return sa.and_(*(_build(ctx, item, leaf) for item in node.items))
    if isinstance(node, Or):
        return sa.or_(*(_build(ctx, item, leaf) for item in node.items))
    if isinstance(node, Not):
        return sa.not_(_build(ctx, node.item, leaf))
    return leaf(ctx, node)


def single_model(source: str) -> str | None:
    """The model a version filter is limited to (``model = "x" and ...``), if any: listings
    then use the per-model indexes."""
    node = parse(source)
    items = node.items if isinstance(node, And) else (node,)
    for item in items:
        if (
            isinstance(item, Compare)
            and item.field.name in ("model", "name")
            and item.field.key is None
            and item.op == "="
            and not item.negated
        ):
            return _as_text(_Ctx(source), item.field)(item.values[0])
    return None


def version_filter(source: str) -> Cond:
    """A WHERE condition over ``versions`` joined to ``models``."""
    return _build(_Ctx(source), parse(source), _version_compare)


def model_filter(source: str) -> Cond:
    """A WHERE condition over ``models``."""
    return _build(_Ctx(source), parse(source), _model_compare)
