"""Search over versions: every field, the combinators, and their edge cases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cairn.catalog import Catalog
from cairn.catalog.search import version_filter
from cairn.errors import InvalidInput

from .conftest import digest


def fill(catalog: Catalog) -> Catalog:
    """fraud/1..4 and churn/1 with assorted params, metrics and tags."""
    rows = [
        ("fraud", {"depth": 4, "opt": "adam"}, {"auc": 0.91, "loss": 0.3}, {"team": "fraud"}),
        ("fraud", {"depth": 6, "opt": "sgd"}, {"auc": 0.85}, {"team": "fraud", "gpu": "yes"}),
        ("fraud", {"depth": 8, "opt": "adam"}, {"auc": 0.95}, {"team": "risk"}),
        ("fraud", {"depth": "4", "lr": 0.01}, {"val/loss": 0.2}, {}),
        ("churn", {"depth": 6, "balanced": True}, {"auc": 0.7}, {"team": "growth"}),
    ]
    for i, (model, params, metrics, tags) in enumerate(rows):
        catalog.create_version(
            model,
            digest=digest(i + 1),
            size=1000 * (i + 1),
            file_count=1,
            author="ada" if i % 2 == 0 else "bob",
            actor="ci",
            flavor="sklearn" if i < 3 else None,
            params=params,
            metrics=metrics,
            tags=tags,
            description=f"Run number {i + 1}",
        )
    catalog.set_alias("fraud", "production", 3, actor="ada")
    catalog.set_alias("fraud", "staging", 2, actor="ada")
    return catalog


@pytest.fixture(scope="module")
def shared(module_catalog: Catalog) -> Catalog:
    """Filled once per backend, for the tests that only read."""
    return fill(module_catalog)


@pytest.fixture
def filled(catalog: Catalog) -> Catalog:
    """Filled for one test, which may change it."""
    return fill(catalog)


def found(catalog: Catalog, source: str) -> list[str]:
    return sorted(v.ref for v in catalog.search_versions(source, limit=100).items)


CASES = [
    (
        'metrics.auc > 0.9 and tags.team = "fraud" or params.depth in (4, 6)',
        ["churn/1", "fraud/1", "fraud/2", "fraud/4"],
    ),
    ("metrics.auc > 0.9", ["fraud/1", "fraud/3"]),
    ("metrics.auc >= 0.95", ["fraud/3"]),
    ("metrics.auc < 0.8", ["churn/1"]),
    ("metrics.auc != 0.85", ["churn/1", "fraud/1", "fraud/3"]),  # only versions with an auc
    ("not metrics.auc = 0.85", ["churn/1", "fraud/1", "fraud/3", "fraud/4"]),
    ("metrics.`val/loss` <= 0.2", ["fraud/4"]),
    ("params.depth > 5", ["churn/1", "fraud/2", "fraud/3"]),
    ("params.depth = 4", ["fraud/1", "fraud/4"]),  # numbers compare numerically, "4" too
    ('params.depth = "4"', ["fraud/1", "fraud/4"]),
    ("params.depth in (4, 8)", ["fraud/1", "fraud/3", "fraud/4"]),
    ("params.depth not in (4, 8)", ["churn/1", "fraud/2"]),
    ('params.opt not like "a%"', ["fraud/2"]),
    ("params.opt = adam", ["fraud/1", "fraud/3"]),
    ('params.opt in ("sgd", 4)', ["fraud/2"]),
    ("params.balanced = true", ["churn/1"]),
    ('params.opt like "a%"', ["fraud/1", "fraud/3"]),
    ("params.lr < 0.1", ["fraud/4"]),
    ('tags.team = "fraud"', ["fraud/1", "fraud/2"]),
    ('tags.team != "fraud"', ["churn/1", "fraud/3"]),
    ('tags.team not in ("fraud", "risk")', ["churn/1"]),
    ('not tags.team = "fraud"', ["churn/1", "fraud/3", "fraud/4"]),
    ("tags.gpu = yes and tags.team = fraud", ["fraud/2"]),
    ('tags.team like "%r%"', ["churn/1", "fraud/1", "fraud/2", "fraud/3"]),
    ('model = "churn"', ["churn/1"]),
    ('name != "churn"', ["fraud/1", "fraud/2", "fraud/3", "fraud/4"]),
    ("version >= 3", ["fraud/3", "fraud/4"]),
    ("number in (1, 4)", ["churn/1", "fraud/1", "fraud/4"]),
    ('author = "bob"', ["fraud/2", "fraud/4"]),
    ('status = "ready"', ["churn/1", "fraud/1", "fraud/2", "fraud/3", "fraud/4"]),
    ("alias = production", ["fraud/3"]),
    ('alias in ("production", "staging")', ["fraud/2", "fraud/3"]),
    ('alias like "stag%"', ["fraud/2"]),
    ("alias != production and model = fraud", ["fraud/1", "fraud/2", "fraud/4"]),
    ("flavor = sklearn", ["fraud/1", "fraud/2", "fraud/3"]),
    ("size > 3500", ["churn/1", "fraud/4"]),
    ('description like "Run%"', ["churn/1", "fraud/1", "fraud/2", "fraud/3", "fraud/4"]),
    ('description like "run%"', []),  # like is case-sensitive on every database
    ('description ilike "run number 2"', ["fraud/2"]),
    (
        '(metrics.auc > 0.9 or tags.team = "growth") and not alias = production',
        ["churn/1", "fraud/1"],
    ),
]


@pytest.mark.parametrize(("source", "expected"), CASES, ids=[c[0] for c in CASES])
def test_search(shared: Catalog, source: str, expected: list[str]) -> None:
    assert found(shared, source) == expected


def test_digest_field(shared: Catalog) -> None:
    assert found(shared, f'digest = "{digest(2)}"') == ["fraud/2"]
    assert found(shared, f'digest like "%{digest(3)[-6:]}"') == ["fraud/3"]


def test_created_with_dates_and_times(shared: Catalog) -> None:
    first = shared.get_version("fraud", 1).created
    day = first.date().isoformat()
    everything = ["churn/1", "fraud/1", "fraud/2", "fraud/3", "fraud/4"]
    assert found(shared, f'created = "{day}"') == everything
    assert found(shared, f'created >= "{day}"') == everything
    assert found(shared, f'created <= "{day}"') == everything
    assert found(shared, f'created < "{day}"') == []
    assert found(shared, f'created > "{day}"') == []
    tomorrow = (first + timedelta(days=1)).date().isoformat()
    assert found(shared, f'created < "{tomorrow}"') == everything
    second = shared.get_version("fraud", 2).created
    stamp = second.isoformat()
    assert "fraud/1" not in found(shared, f'created >= "{stamp}"')
    assert "fraud/2" in found(shared, f'created >= "{stamp}"')
    zulu = second.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert found(shared, f'created >= "{zulu}"') == found(shared, f'created >= "{stamp}"')


def test_deleted_versions_are_hidden_unless_asked(filled: Catalog) -> None:
    filled.update_version("fraud", 1, status="deleted", actor="ada")
    assert "fraud/1" not in found(filled, "metrics.auc > 0.9")
    page = filled.search_versions("metrics.auc > 0.9", include_deleted=True)
    assert sorted(v.ref for v in page.items) == ["fraud/1", "fraud/3"]
    assert found(filled, 'status = "deleted"') == []
    deleted = filled.search_versions('status = "deleted"', include_deleted=True).items
    assert [v.ref for v in deleted] == ["fraud/1"]


def test_list_versions_takes_a_filter_too(shared: Catalog) -> None:
    page = shared.list_versions("fraud", filter="metrics.auc > 0.8")
    assert [v.number for v in page.items] == [3, 2, 1]


def test_a_bad_filter_is_invalid_input_before_touching_the_database(shared: Catalog) -> None:
    with pytest.raises(InvalidInput, match="column 13"):
        shared.search_versions("metrics.auc 0.9")
    with pytest.raises(InvalidInput, match="cannot order versions by 'colour'"):
        shared.search_versions(None, order_by="colour")
    with pytest.raises(InvalidInput, match="not asc or desc"):
        shared.search_versions(None, order_by="created up")


def test_injection_attempts_are_just_strings(shared: Catalog) -> None:
    assert found(shared, "author = \"x' or '1'='1\"") == []
    assert found(shared, 'tags.team = "fraud\\" or 1=1 --"') == []
    assert shared.get_model("fraud").version_count == 4
    version_filter("author = 'a'")  # still parses
