"""Keyset pages: complete, in order, stable under inserts, and tied to their query."""

from __future__ import annotations

from typing import Any

import pytest

from cairn.catalog import Catalog, Page
from cairn.errors import InvalidInput

from .conftest import digest


def walk(fetch: Any, limit: int) -> list[Any]:
    """Every item across pages, asserting each page is full except the last."""
    items: list[Any] = []
    token = None
    while True:
        page: Page[Any] = fetch(limit=limit, page_token=token)
        items.extend(page.items)
        if page.next_token is None:
            return items
        assert len(page.items) == limit
        token = page.next_token


def fill(catalog: Catalog) -> Catalog:
    """23 fraud versions (auc repeats, some versions lack it) and 5 churn versions."""
    for i in range(23):
        metrics = {} if i % 5 == 4 else {"auc": round(0.5 + (i % 4) / 10, 2)}
        catalog.create_version(
            "fraud",
            digest=digest(i + 1),
            size=i,
            file_count=1,
            author="ada",
            actor="ada",
            metrics=metrics,
            params={"depth": i % 3} if i % 2 else {"depth": f"d{i % 3}"},
            tags={"team": "abc"[i % 3]} if i % 6 else {},
        )
    for i in range(5):
        catalog.create_version(
            "churn", digest=digest(100 + i), size=i, file_count=1, author="bob", actor="bob"
        )
    return catalog


@pytest.fixture(scope="module")
def shared(module_catalog: Catalog) -> Catalog:
    return fill(module_catalog)


@pytest.fixture
def many(catalog: Catalog) -> Catalog:
    return fill(catalog)


def test_default_order_is_number_desc_across_pages(shared: Catalog) -> None:
    items = walk(lambda **kw: shared.list_versions("fraud", **kw), limit=5)
    assert [v.number for v in items] == list(range(23, 0, -1))


def test_search_default_order_is_newest_first(shared: Catalog) -> None:
    items = walk(lambda **kw: shared.search_versions(None, **kw), limit=4)
    assert len(items) == 28
    keys = [(v.created, v.model, v.number) for v in items]
    assert [k[0] for k in keys] == sorted((k[0] for k in keys), reverse=True)
    assert items[0].ref == "churn/5" and items[-1].ref == "fraud/1"


@pytest.mark.parametrize(
    "order_by",
    [
        "metrics.auc desc",
        "metrics.auc",
        "params.depth",
        "params.depth desc",
        "tags.team",
        "created",
        "number",
        "size desc, number",
        "author, metrics.auc desc",
    ],
)
def test_every_order_pages_through_everything_once(shared: Catalog, order_by: str) -> None:
    whole = shared.list_versions("fraud", order_by=order_by, limit=100).items
    assert len(whole) == 23
    paged = walk(lambda **kw: shared.list_versions("fraud", order_by=order_by, **kw), limit=3)
    assert [v.number for v in paged] == [v.number for v in whole]


def test_metric_order_puts_missing_values_last(shared: Catalog) -> None:
    items = shared.list_versions("fraud", order_by="metrics.auc desc", limit=100).items
    aucs = [v.metrics.get("auc") for v in items]
    present = [a for a in aucs if a is not None]
    assert present == sorted(present, reverse=True)
    assert aucs[len(present) :] == [None] * (len(aucs) - len(present))
    # Ties keep a stable order (the tiebreaker), so pages never repeat a version.
    assert len({v.number for v in items}) == 23


def test_pages_are_stable_under_inserts(many: Catalog) -> None:
    first = many.list_versions("fraud", limit=10)
    for i in range(3):
        many.create_version(
            "fraud", digest=digest(200 + i), size=1, file_count=1, author="x", actor="x"
        )
    second = many.list_versions("fraud", limit=10, page_token=first.next_token)
    assert [v.number for v in second.items] == list(range(13, 3, -1))
    newest_first = walk(lambda **kw: many.search_versions("model = fraud", **kw), limit=7)
    assert len(newest_first) == 26


def test_filtered_pages(shared: Catalog) -> None:
    items = walk(
        lambda **kw: shared.search_versions("metrics.auc >= 0.6", order_by="metrics.auc", **kw),
        limit=2,
    )
    aucs = [v.metrics["auc"] for v in items]
    assert aucs == sorted(aucs) and min(aucs) >= 0.6


def test_models_page_too(catalog: Catalog) -> None:
    for i in range(7):
        catalog.create_model(f"m{i}", owner="x" if i % 2 else None, actor="ada")
    names = [m.name for m in walk(lambda **kw: catalog.list_models(**kw), limit=3)]
    assert names == [f"m{i}" for i in range(7)]
    by_owner = walk(lambda **kw: catalog.list_models(order_by="owner desc", **kw), limit=2)
    assert [m.owner for m in by_owner][:3] == ["x", "x", "x"]
    assert len(by_owner) == 7


def test_a_token_belongs_to_its_query(shared: Catalog) -> None:
    page = shared.list_versions("fraud", limit=5)
    assert page.next_token
    with pytest.raises(InvalidInput, match="page token"):
        shared.list_versions("churn", limit=5, page_token=page.next_token)
    with pytest.raises(InvalidInput, match="page token"):
        shared.list_versions("fraud", order_by="created", page_token=page.next_token)
    with pytest.raises(InvalidInput, match="page token"):
        shared.list_versions("fraud", page_token="not-a-token")
    with pytest.raises(InvalidInput, match="limit"):
        shared.list_versions("fraud", limit=0)
    # A different page size is the same query: allowed.
    assert shared.list_versions("fraud", limit=2, page_token=page.next_token).items[0].number == 18
