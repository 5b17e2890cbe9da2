"""The filter language's grammar and its error messages (no database needed)."""

from __future__ import annotations

import pytest

from cairn.catalog.search import model_filter, parse, version_filter
from cairn.catalog.search.parser import And, Compare, Not, Or
from cairn.errors import InvalidInput


def test_precedence_not_binds_tighter_than_and_than_or() -> None:
    tree = parse('metrics.auc > 0.9 and tags.team = "fraud" or params.depth in (4, 6)')
    assert isinstance(tree, Or) and isinstance(tree.items[0], And)
    tree = parse("not a = 1 and b = 2")
    assert isinstance(tree, And) and isinstance(tree.items[0], Not)
    tree = parse("not (a = 1 and b = 2)")
    assert isinstance(tree, Not) and isinstance(tree.item, And)


def test_comparisons_values_and_keys() -> None:
    node = parse("metrics.auc >= 1e-3")
    assert isinstance(node, Compare) and node.op == ">=" and node.values[0].value == 0.001
    assert node.field.name == "metrics" and node.field.key == "auc"
    node = parse("params.lr == -.5")
    assert isinstance(node, Compare) and node.op == "=" and node.values[0].value == -0.5
    node = parse("status <> 'archived'")
    assert isinstance(node, Compare) and node.op == "!="
    node = parse('tags."team name" = "it\'s"')
    assert isinstance(node, Compare) and node.field.key == "team name"
    assert node.values[0].value == "it's"
    node = parse("metrics.`val/loss` < 0.2")
    assert isinstance(node, Compare) and node.field.key == "val/loss"
    node = parse("metrics.val/loss < 0.2")
    assert isinstance(node, Compare) and node.field.key == "val/loss"
    node = parse("params.cfg.depth = 3")  # the key is everything after the first dot
    assert isinstance(node, Compare) and node.field.key == "cfg.depth"
    node = parse("flavor = sklearn")  # bare words are strings
    assert isinstance(node, Compare) and node.values[0].value == "sklearn"
    node = parse("params.balanced = TRUE")
    assert isinstance(node, Compare) and node.values[0].value is True
    node = parse('name NOT LIKE "fraud%"')
    assert isinstance(node, Compare) and node.op == "like" and node.negated
    node = parse("version not in (1, 2,3)")
    assert isinstance(node, Compare) and node.op == "in" and node.negated
    assert [v.value for v in node.values] == [1.0, 2.0, 3.0]
    node = parse('description ilike "%Fraud%"')
    assert isinstance(node, Compare) and node.op == "ilike"


@pytest.mark.parametrize(
    ("source", "column", "words"),
    [
        ("", 1, "expected a condition"),
        ("metrics.auc >", 14, "expected a value"),
        ("metrics.auc 0.9", 13, "expected an operator"),
        ("metrics.auc > 0.9 and", 22, "expected a field"),
        ("(metrics.auc > 0.9", 19, "expected ')'"),
        ("metrics.auc > 0.9)", 18, "expected 'and', 'or'"),
        ('tags.team = "fraud', 13, "no closing"),
        ("tags.team in 1", 14, "expected '('"),
        ("tags.team in (1 2)", 17, "expected ',' or ')'"),
        ("tags.team not = 1", 15, "expected 'in', 'like'"),
        ("tags.team like fraud", 16, "quoted pattern"),
        ("metrics. > 1", 9, "expected a key"),
        ("a = 1 ; b = 2", 7, "unexpected character ';'"),
        ("and = 1", 1, "expected a field"),
        ("metrics.auc > and", 15, "expected a value"),
    ],
)
def test_parse_errors_say_where_and_what(source: str, column: int, words: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse(source)
    assert f"at column {column}:" in info.value.message
    assert words in info.value.message
    assert "docs/search.md" in info.value.hint


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("colour = 'red'", "unknown field 'colour'"),
        ("metrics = 1", "metrics needs a key"),
        ("author.x = 1", "author has no keys"),
        ("metrics.auc > 'high'", "compares with numbers"),
        ("metrics.auc like '%'", "is a number"),
        ("version = 1.5", "whole numbers"),
        ("status = 'gone'", "status is one of"),
        ("created > 'yesterday'", "not a date"),
        ("created > 5", "expected a date"),
        ("alias > 'a'", "cannot be compared"),
    ],
)
def test_meaning_errors_name_the_problem(source: str, words: str) -> None:
    with pytest.raises(InvalidInput, match="at column") as info:
        version_filter(source)
    assert words in info.value.message


def test_model_fields_are_their_own() -> None:
    model_filter("owner = 'risk' and tags.team = x and created > '2026-01-01'")
    with pytest.raises(InvalidInput, match=r"unknown field 'metrics\.auc'"):
        model_filter("metrics.auc > 1")


def test_values_are_bound_never_formatted() -> None:
    evil = "x'; DROP TABLE versions; --"
    condition = version_filter(f'author = "{evil}"')
    compiled = condition.compile()
    assert "DROP" not in str(compiled)
    assert evil in compiled.params.values()


def test_single_model_spots_a_model_limit() -> None:
    from cairn.catalog.search import single_model

    assert single_model('model = "fraud" and metrics.auc > 0.9') == "fraud"
    assert single_model("metrics.auc > 0.9 and name = churn") == "churn"
    assert single_model("model = fraud or model = churn") is None
    assert single_model("model != fraud") is None
    assert single_model("metrics.auc > 0.9") is None
