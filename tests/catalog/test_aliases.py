"""Aliases: compare-and-set moves, conflicts that name the holder, history, alias_at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cairn.catalog import ANY, Catalog
from cairn.errors import AliasConflict, BadRef, InvalidInput, NotFound

from .conftest import log


def test_set_resolve_and_list(catalog: Catalog) -> None:
    log(catalog, "fraud", 3)
    move = catalog.set_alias("fraud", "production", 2, actor="ada", reason="first")
    assert (move.from_version, move.to_version, move.actor, move.reason) == (
        None,
        2,
        "ada",
        "first",
    )
    resolved = catalog.resolve_alias("fraud", "production")
    assert resolved.number == 2 and resolved.aliases == ["production"]
    assert catalog.get_alias("fraud", "production") == 2
    catalog.set_alias("fraud", "staging", 3, actor="ada")
    assert catalog.list_aliases("fraud") == {"production": 2, "staging": 3}
    assert catalog.get_version("fraud", 3).aliases == ["staging"]
    catalog.set_alias("fraud", "canary", 3, actor="ada")
    assert catalog.get_version("fraud", 3).aliases == ["canary", "staging"]


def test_compare_and_set(catalog: Catalog) -> None:
    log(catalog, "fraud", 3)
    catalog.set_alias("fraud", "production", 1, expected=None, actor="ada")
    with pytest.raises(AliasConflict) as info:
        catalog.set_alias("fraud", "production", 2, expected=None, actor="bob")
    assert "already exists" in info.value.message and "version 1" in info.value.message
    with pytest.raises(AliasConflict) as info:
        catalog.set_alias("fraud", "production", 3, expected=2, actor="bob")
    assert "points at version 1, not 2" in info.value.message
    assert "expected=1" in info.value.hint
    move = catalog.set_alias("fraud", "production", 3, expected=1, actor="bob")
    assert (move.from_version, move.to_version) == (1, 3)
    catalog.set_alias("fraud", "production", 2, expected=ANY, actor="bob")
    assert catalog.get_alias("fraud", "production") == 2
    with pytest.raises(AliasConflict, match="does not exist"):
        catalog.set_alias("fraud", "staging", 2, expected=1, actor="bob")


def test_delete_alias_with_compare_and_set(catalog: Catalog) -> None:
    log(catalog, "fraud", 2)
    catalog.set_alias("fraud", "production", 2, actor="ada")
    with pytest.raises(AliasConflict, match="points at version 2, not 1"):
        catalog.delete_alias("fraud", "production", expected=1, actor="ada")
    move = catalog.delete_alias("fraud", "production", expected=2, reason="retired", actor="ada")
    assert (move.from_version, move.to_version, move.reason) == (2, None, "retired")
    assert catalog.list_aliases("fraud") == {}
    with pytest.raises(NotFound):
        catalog.delete_alias("fraud", "production", actor="ada")
    # The version can be deleted now that nothing holds it.
    catalog.update_version("fraud", 2, status="deleted", actor="ada")


def test_alias_errors(catalog: Catalog) -> None:
    log(catalog, "fraud", 2)
    catalog.set_alias("fraud", "production", 1, actor="ada")
    with pytest.raises(NotFound) as info:
        catalog.resolve_alias("fraud", "prodution")
    assert "production" in info.value.hint
    with pytest.raises(NotFound, match="fraud/9"):
        catalog.set_alias("fraud", "staging", 9, actor="ada")
    with pytest.raises(NotFound, match="model 'fruad'"):
        catalog.resolve_alias("fruad", "production")
    with pytest.raises(BadRef):
        catalog.set_alias("fraud", "latest", 1, actor="ada")
    with pytest.raises(BadRef):
        catalog.set_alias("fraud", "has space", 1, actor="ada")
    catalog.update_version("fraud", 2, status="deleted", actor="ada")
    with pytest.raises(InvalidInput, match="deleted"):
        catalog.set_alias("fraud", "staging", 2, actor="ada")


def test_history_is_newest_first_and_events_match(catalog: Catalog) -> None:
    log(catalog, "fraud", 3)
    catalog.set_alias("fraud", "production", 1, actor="ada", reason="launch")
    catalog.set_alias("fraud", "production", 2, actor="bob", reason="better auc")
    catalog.set_alias("fraud", "production", 3, actor="cy")
    catalog.delete_alias("fraud", "production", actor="dee", reason="incident")
    history = catalog.alias_history("fraud", "production")
    assert [(m.from_version, m.to_version, m.actor) for m in history] == [
        (3, None, "dee"),
        (2, 3, "cy"),
        (1, 2, "bob"),
        (None, 1, "ada"),
    ]
    assert history[-1].reason == "launch" and history[0].reason == "incident"
    events = catalog.events(subject="fraud@production")
    assert [e.action for e in events] == ["alias.set"] * 3 + ["alias.delete"]
    assert [e.seq for e in reversed(events)] == [m.seq for m in history]
    assert events[1].before == {"version": 1}
    assert events[1].after == {"version": 2, "reason": "better auc"}
    with pytest.raises(NotFound):
        catalog.alias_history("fraud", "staging")


def test_alias_at_answers_what_was_in_production_at_a_time(catalog: Catalog) -> None:
    log(catalog, "fraud", 3)
    moves = [
        catalog.set_alias("fraud", "production", 1, actor="ada"),
        catalog.set_alias("fraud", "production", 2, actor="ada"),
        catalog.delete_alias("fraud", "production", actor="ada"),
        catalog.set_alias("fraud", "production", 3, actor="ada"),
    ]
    tiny = timedelta(microseconds=1)
    assert catalog.alias_at("fraud", "production", moves[0].time - tiny) is None
    # Moves in one microsecond are ordered by seq, so "at" a time means after the last move then.
    expected = [1, 2, None, 3]
    for move, number in zip(moves, expected, strict=True):
        later = [m for m in moves if m.time == move.time]
        if later[-1] is move:
            assert catalog.alias_at("fraud", "production", move.time) == number
    assert catalog.alias_at("fraud", "production", datetime.now(UTC) + timedelta(days=1)) == 3
    naive = (moves[-1].time + tiny).replace(tzinfo=None)  # naive means UTC
    assert catalog.alias_at("fraud", "production", naive) == 3
