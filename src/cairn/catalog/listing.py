"""Listings and searches: a filter, an order, and keyset pages (see pagination.py)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cairn.catalog.aliases import AliasOps
from cairn.catalog.pagination import Phase, SortKey, fetch_page, query_id
from cairn.catalog.records import ModelRecord, Page, VersionRecord
from cairn.catalog.rows import (
    MODEL_COLUMNS,
    AnySelect,
    model_records,
    row_to_version,
    version_select,
)
from cairn.catalog.schema import (
    METRICS,
    MODEL_TAGS,
    MODELS,
    PARAMS,
    TAGS,
    VERSIONS,
)
from cairn.catalog.search import model_filter, single_model, version_filter
from cairn.errors import InvalidInput

__all__ = ["ListingOps", "model_order", "version_order"]

_HINT = 'use e.g. "metrics.auc desc", "created", "number desc" (see docs/search.md)'


def _split_order(order_by: str) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for part in order_by.split(","):
        words = part.split()
        if not words or len(words) > 2:
            raise InvalidInput(f"bad order {order_by!r}", _HINT)
        desc = False
        if len(words) == 2:
            direction = words[1].lower()
            if direction not in ("asc", "desc"):
                raise InvalidInput(
                    f"bad order {order_by!r}: {words[1]!r} is not asc or desc", _HINT
                )
            desc = direction == "desc"
        out.append((words[0], desc))
    return out


def _kv(table: sa.Table, column: Any, key: str) -> Any:
    return (
        sa.select(column)
        .where(table.c.version_id == VERSIONS.c.id, table.c.key == key)
        .correlate(VERSIONS)
        .scalar_subquery()
    )


def _version_keys(parts: list[tuple[str, bool]], *, one_model: bool) -> tuple[list[SortKey], bool]:
    """Sort keys for ``parts``, and whether they already make rows unique."""
    keys: list[SortKey] = []
    unique = False
    for name, desc in parts:
        field, _, key = name.partition(".")
        field = field.lower()
        if field in ("metrics", "metric") and key:
            keys.append(SortKey(_kv(METRICS, METRICS.c.value, key), desc, True))
        elif field in ("params", "param") and key:
            keys.append(SortKey(_kv(PARAMS, PARAMS.c.value_num, key), desc, True))
            keys.append(SortKey(_kv(PARAMS, PARAMS.c.value_text, key), desc, True))
        elif field in ("tags", "tag") and key:
            keys.append(SortKey(_kv(TAGS, TAGS.c.value, key), desc, True))
        elif not key and field in ("version", "number"):
            keys.append(SortKey(VERSIONS.c.number, desc))
            unique = unique or (one_model and len(keys) == 1)
        elif not key and field in ("model", "name"):
            keys.append(SortKey(MODELS.c.name, desc))
        elif not key and field in ("created", "author", "status", "size", "digest"):
            keys.append(SortKey(VERSIONS.c[field], desc))
        elif not key and field in ("flavor", "status_changed"):
            keys.append(SortKey(VERSIONS.c[field], desc, True))
        else:
            raise InvalidInput(f"cannot order versions by {name!r}", _HINT)
    return keys, unique


def _default_order(order_by: str | None, one_model: bool) -> list[tuple[str, bool]]:
    return _split_order(order_by or ("number desc" if one_model else "created desc"))


def version_order(order_by: str | None, *, one_model: bool) -> list[SortKey]:
    """Sort keys for versions; the default is number desc in one model, created desc across."""
    parts = _default_order(order_by, one_model)
    keys, unique = _version_keys(parts, one_model=one_model)
    if not unique:
        keys.append(SortKey(VERSIONS.c.id, parts[-1][1]))
    return keys


def _model_id_of(name: str) -> Any:
    return sa.select(MODELS.c.id).where(MODELS.c.name == name).correlate(None).scalar_subquery()


def version_phases(stmt: AnySelect, order_by: str | None, *, model_id: Any = None) -> list[Phase]:
    """How to read ``stmt`` in order. Led by a metric or a tag, it is read in two phases: the
    versions that have it, straight from the ``(key, value, version_id)`` index, or
    ``(model_id, key, value, version_id)`` for one model's listing (so a page costs the same
    however many versions there are), then those that lack it."""
    one_model = model_id is not None
    parts = _default_order(order_by, one_model)
    first, desc = parts[0]
    field, _, key = first.partition(".")
    table = {"metrics": METRICS, "metric": METRICS, "tags": TAGS, "tag": TAGS}.get(field.lower())
    if table is None or not key:
        return [Phase(stmt, version_order(order_by, one_model=one_model))]
    rest, _ = _version_keys(parts[1:], one_model=one_model)
    last_desc = parts[-1][1]
    kv = table.alias("sort_kv")
    on = [kv.c.version_id == VERSIONS.c.id, kv.c.key == key]
    if one_model:
        on.append(kv.c.model_id == model_id)
    has = stmt.join(kv, sa.and_(*on))
    has_keys = [SortKey(kv.c.value, desc), *rest, SortKey(kv.c.version_id, last_desc)]
    lacks = stmt.where(~sa.exists().where(table.c.version_id == VERSIONS.c.id, table.c.key == key))
    return [Phase(has, has_keys), Phase(lacks, [*rest, SortKey(VERSIONS.c.id, last_desc)])]


def model_order(order_by: str | None) -> list[SortKey]:
    keys: list[SortKey] = []
    for name, desc in _split_order(order_by or "name"):
        field, _, key = name.partition(".")
        field = field.lower()
        if field in ("tags", "tag") and key:
            expr = (
                sa.select(MODEL_TAGS.c.value)
                .where(MODEL_TAGS.c.model_id == MODELS.c.id, MODEL_TAGS.c.key == key)
                .correlate(MODELS)
                .scalar_subquery()
            )
            keys.append(SortKey(expr, desc, True))
        elif not key and field in ("name", "model"):
            keys.append(SortKey(MODELS.c.name, desc))
        elif not key and field in ("created", "updated", "version_count"):
            keys.append(SortKey(MODELS.c[field], desc))
        elif not key and field == "owner":
            keys.append(SortKey(MODELS.c.owner, desc, True))
        else:
            raise InvalidInput(f"cannot order models by {name!r}", _HINT)
    keys.append(SortKey(MODELS.c.id, keys[-1].desc))
    return keys


class ListingOps(AliasOps):
    def list_models(
        self,
        *,
        filter: str | None = None,
        order_by: str | None = None,
        limit: int = 50,
        page_token: str | None = None,
    ) -> Page[ModelRecord]:
        """Models matching ``filter`` (fields: name, owner, tags.X, created, updated,
        description), by name unless ``order_by`` says otherwise."""
        keys = model_order(order_by)
        stmt = sa.select(*MODEL_COLUMNS)
        if filter:
            stmt = stmt.where(model_filter(filter))
        qid = query_id("models", filter, order_by)
        with self._read() as conn:
            page = fetch_page(
                conn, stmt, keys, limit=limit, page_token=page_token, qid=qid, convert=lambda r: r
            )
            return Page[ModelRecord](
                items=model_records(conn, page.items), next_token=page.next_token
            )

    def list_versions(
        self,
        model: str,
        *,
        filter: str | None = None,
        order_by: str | None = None,
        limit: int = 50,
        page_token: str | None = None,
        include_deleted: bool = False,
    ) -> Page[VersionRecord]:
        """One page of ``model``'s versions, newest number first by default."""
        qid = query_id("versions", model, filter, order_by, include_deleted)
        where = [version_filter(filter)] if filter else []
        # The model's id as a constant subquery: one round trip; an empty page checks
        # whether the model exists at all.
        model_id = _model_id_of(model)
        stmt = version_select().where(VERSIONS.c.model_id == model_id, *where)
        if not include_deleted:
            stmt = stmt.where(VERSIONS.c.status != "deleted")
        phases = version_phases(stmt, order_by, model_id=model_id)
        with self._read() as conn:
            page = fetch_page(
                conn,
                phases,
                limit=limit,
                page_token=page_token,
                qid=qid,
                convert=row_to_version,
            )
            if not page.items:
                self._model_id(conn, model)
            return page

    def search_versions(
        self,
        filter: str | None,
        *,
        order_by: str | None = None,
        limit: int = 50,
        page_token: str | None = None,
        include_deleted: bool = False,
    ) -> Page[VersionRecord]:
        """Versions of any model matching ``filter``, newest first by default."""
        qid = query_id("search", filter, order_by, include_deleted)
        stmt = version_select()
        if filter:
            stmt = stmt.where(version_filter(filter))
        if not include_deleted:
            stmt = stmt.where(VERSIONS.c.status != "deleted")
        only = single_model(filter) if filter else None
        model_id = None if only is None else _model_id_of(only)
        phases = version_phases(stmt, order_by, model_id=model_id)
        with self._read() as conn:
            return fetch_page(
                conn,
                phases,
                limit=limit,
                page_token=page_token,
                qid=qid,
                convert=row_to_version,
            )
