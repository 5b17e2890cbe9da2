"""Rows to records: the column lists every read selects, and the conversions.

A version row carries its params, metrics, tags, lineage and meta as JSON and its aliases come
from a correlated aggregate, so one SELECT returns whole records: a page of 50 versions is one
query, and resolving ``name@alias`` is one query.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from cairn.catalog.records import (
    Dataset,
    GitInfo,
    ModelRecord,
    ParamValue,
    VersionKey,
    VersionRecord,
)
from cairn.catalog.schema import ALIASES, MODELS, VERSIONS
from cairn.errors import InvalidInput

if TYPE_CHECKING:
    from typing import TypeAlias

    AnyRow: TypeAlias = Row[*tuple[Any, ...]]
    AnySelect: TypeAlias = sa.Select[*tuple[Any, ...]]
else:
    AnyRow = AnySelect = Any

__all__ = [
    "LATEST_VERSION",
    "MODEL_COLUMNS",
    "SEARCH_TEXT_LIMIT",
    "VERSION_BY_ALIAS",
    "VERSION_BY_NUMBER",
    "VERSION_COLUMNS",
    "AnyRow",
    "AnySelect",
    "check_metrics",
    "check_params",
    "check_tags",
    "model_records",
    "param_number",
    "row_to_version",
    "version_select",
]

# Key/value search tables keep at most this many characters of a value (the record keeps all).
SEARCH_TEXT_LIMIT = 1000

_ALIASES = (
    sa.select(sa.func.aggregate_strings(ALIASES.c.alias, ","))
    .where(ALIASES.c.version_id == VERSIONS.c.id)
    .correlate(VERSIONS)
    .scalar_subquery()
    .label("alias_names")
)

VERSION_COLUMNS = (
    VERSIONS.c.id,
    MODELS.c.name.label("model"),
    VERSIONS.c.number,
    VERSIONS.c.digest,
    VERSIONS.c.size,
    VERSIONS.c.file_count,
    VERSIONS.c.flavor,
    VERSIONS.c.description,
    VERSIONS.c.author,
    VERSIONS.c.created,
    VERSIONS.c.status,
    VERSIONS.c.status_changed,
    VERSIONS.c.params,
    VERSIONS.c.metrics,
    VERSIONS.c.tags,
    VERSIONS.c.git,
    VERSIONS.c.parents,
    VERSIONS.c.datasets,
    VERSIONS.c.meta,
    _ALIASES,
)


def version_select() -> AnySelect:
    """SELECT whole version records (versions joined to their model)."""
    return sa.select(*VERSION_COLUMNS).join(MODELS, MODELS.c.id == VERSIONS.c.model_id)


_HOLDER = ALIASES.alias("holder")

# Hot statements, built once: building a 20-column SELECT costs more than running it.
VERSION_BY_NUMBER = version_select().where(
    MODELS.c.name == sa.bindparam("model"), VERSIONS.c.number == sa.bindparam("number")
)
VERSION_BY_ALIAS = (
    sa.select(*VERSION_COLUMNS)
    .select_from(MODELS)
    .join(_HOLDER, _HOLDER.c.model_id == MODELS.c.id)
    .join(VERSIONS, VERSIONS.c.id == _HOLDER.c.version_id)
    .where(MODELS.c.name == sa.bindparam("model"), _HOLDER.c.alias == sa.bindparam("alias"))
)
LATEST_VERSION = version_select().where(
    MODELS.c.name == sa.bindparam("model"), VERSIONS.c.number == MODELS.c.latest_number
)


def row_to_version(row: AnyRow) -> VersionRecord:
    """A record from a row the catalog wrote itself (validated on the way in), so it is
    built without validating again: this is most of the cost of a page otherwise."""
    git = row.git
    names = row.alias_names
    metrics = row.metrics
    return VersionRecord.model_construct(
        model=row.model,
        number=row.number,
        digest=row.digest,
        size=row.size,
        file_count=row.file_count,
        flavor=row.flavor,
        params=row.params,
        # JSON has one number type: 1.0 may come back as 1.
        metrics={k: float(v) for k, v in metrics.items()},
        tags=row.tags,
        description=row.description,
        author=row.author,
        created=row.created,
        status=row.status,
        status_changed=row.status_changed,
        git=None if git is None else GitInfo.model_construct(**git),
        parents=[
            VersionKey.model_construct(model=p["model"], number=p["number"]) for p in row.parents
        ],
        datasets=[Dataset.model_construct(**d) for d in row.datasets],
        aliases=sorted(names.split(",")) if names else [],
        meta=row.meta,
    )


MODEL_COLUMNS = (
    MODELS.c.id,
    MODELS.c.name,
    MODELS.c.description,
    MODELS.c.owner,
    MODELS.c.tags,
    MODELS.c.created,
    MODELS.c.updated,
    MODELS.c.latest_number,
    MODELS.c.version_count,
)


def model_records(conn: Connection, rows: Sequence[AnyRow]) -> list[ModelRecord]:
    """Records for model rows, with their aliases loaded in one IN query."""
    aliases: dict[int, dict[str, int]] = defaultdict(dict)
    ids = [row.id for row in rows]
    if ids:
        found = conn.execute(
            sa.select(ALIASES.c.model_id, ALIASES.c.alias, VERSIONS.c.number)
            .join(VERSIONS, VERSIONS.c.id == ALIASES.c.version_id)
            .where(ALIASES.c.model_id.in_(ids))
        )
        for model_id, alias, number in found:
            aliases[model_id][alias] = number
    return [
        ModelRecord(
            name=row.name,
            description=row.description,
            owner=row.owner,
            tags=row.tags,
            created=row.created,
            updated=row.updated,
            latest_version=row.latest_number,
            version_count=row.version_count,
            aliases=dict(sorted(aliases[row.id].items())),
        )
        for row in rows
    ]


# -- validating what goes in ----------------------------------------------------------------


def _check_key(kind: str, key: object) -> str:
    if not isinstance(key, str) or not key or len(key) > 255:
        raise InvalidInput(
            f"{kind} name {key!r} is not usable",
            f"{kind} names are non-empty strings of at most 255 characters",
        )
    return key


def check_params(params: dict[str, Any] | None) -> dict[str, ParamValue]:
    out: dict[str, ParamValue] = {}
    for key, value in (params or {}).items():
        _check_key("param", key)
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidInput(f"param {key!r} is {value}", "log a finite number or a string")
        if not isinstance(value, str | int | float | bool):
            raise InvalidInput(
                f"param {key!r} is a {type(value).__name__}",
                "params are strings, numbers or booleans; log structured config as meta or "
                "as a file",
            )
        out[key] = value
    return out


def check_metrics(metrics: dict[str, Any] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in (metrics or {}).items():
        _check_key("metric", key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(f"metric {key!r} is {value!r}", "metrics are numbers")
        if not math.isfinite(value):
            raise InvalidInput(f"metric {key!r} is {value}", "metrics must be finite numbers")
        out[key] = float(value)
    return out


def check_tags(tags: dict[str, Any] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in (tags or {}).items():
        _check_key("tag", key)
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int | float):
            value = str(value)
        if not isinstance(value, str):
            raise InvalidInput(f"tag {key!r} is a {type(value).__name__}", "tags are strings")
        out[key] = value
    return out


def param_number(value: ParamValue) -> float | None:
    """The numeric reading of a param (for ``params.x > 3``), if it has one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def param_text(value: ParamValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)[:SEARCH_TEXT_LIMIT]
