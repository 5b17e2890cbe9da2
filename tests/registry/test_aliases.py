"""Aliases: compare-and-set, history, time travel and rollback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cairn.errors import AliasConflict, BadRef, NotFound
from cairn.registry import Registry


@pytest.fixture
def three(reg: Registry, artifact: Path) -> Registry:
    for i in range(3):
        (artifact / "config.json").write_text(f'{{"i": {i}}}')
        reg.log(artifact, model="m", metrics={"auc": 0.8 + i / 100})
    return reg


def test_alias_moves_are_recorded(three: Registry) -> None:
    three.set_alias("m", "production", 1, reason="first")
    three.set_alias("m", "production", "m/2", reason="better")
    history = three.alias_history("m@production")
    assert [(h.from_version, h.to_version) for h in history] == [(1, 2), (None, 1)]
    assert history[0].actor == "alice" and history[0].reason == "better"
    assert three.resolve("m@production").aliases == ["production"]


def test_compare_and_set_rejects_a_stale_expectation(three: Registry) -> None:
    three.set_alias("m", "production", 1, expected=None)
    three.set_alias("m", "production", 2, expected=1)
    with pytest.raises(AliasConflict, match="2"):
        three.set_alias("m", "production", 3, expected=1)
    with pytest.raises(AliasConflict):
        three.set_alias("m", "production", 3, expected=None)
    assert three.resolve("m@production").number == 2


def test_rollback_goes_to_the_previous_version_or_to_a_given_one(three: Registry) -> None:
    three.set_alias("m", "production", 1)
    three.set_alias("m", "production", 3)
    move = three.rollback("m@production")
    assert (move.from_version, move.to_version) == (3, 1)
    assert three.resolve("m@production").number == 1
    three.rollback("m@production", to="m/2")
    assert three.resolve("m@production").number == 2


def test_rollback_without_history_says_what_to_do(three: Registry) -> None:
    three.set_alias("m", "staging", 1)
    with pytest.raises(NotFound, match="--to"):
        three.rollback("m@staging")
    with pytest.raises(BadRef):
        three.rollback("m/1")


def test_alias_at_answers_what_was_in_production_at_a_time(three: Registry) -> None:
    before = datetime.now(UTC)
    three.set_alias("m", "production", 1)
    middle = datetime.now(UTC)
    three.set_alias("m", "production", 2)
    assert three.alias_at("m@production", before) is None
    assert three.alias_at("m@production", middle) == 1
    assert three.alias_at("m@production", datetime.now(UTC)) == 2


def test_delete_alias_keeps_history(three: Registry) -> None:
    three.set_alias("m", "staging", 2)
    three.delete_alias("m@staging")
    with pytest.raises(NotFound):
        three.resolve("m@staging")
    assert [h.to_version for h in three.alias_history("m@staging")] == [None, 2]


def test_alias_of_another_model_is_refused(three: Registry, artifact: Path) -> None:
    three.log(artifact, model="other")
    with pytest.raises(BadRef, match="other"):
        three.set_alias("m", "production", "other/1")
