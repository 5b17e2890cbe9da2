"""Models: create, read, update, delete, with clear errors."""

from __future__ import annotations

import pytest

from cairn.catalog import Catalog
from cairn.errors import AlreadyExists, BadRef, NotFound

from .conftest import log


def test_create_and_get_a_model(catalog: Catalog) -> None:
    made = catalog.create_model(
        "fraud", description="card fraud", owner="risk", tags={"team": "risk"}, actor="ada"
    )
    assert made.name == "fraud" and made.owner == "risk" and made.tags == {"team": "risk"}
    assert made.version_count == 0 and made.latest_version is None and made.aliases == {}
    assert catalog.get_model("fraud") == made


def test_create_twice_is_already_exists(catalog: Catalog) -> None:
    catalog.create_model("fraud", actor="ada")
    with pytest.raises(AlreadyExists, match="fraud"):
        catalog.create_model("fraud", actor="ada")


def test_ensure_model_creates_once(catalog: Catalog) -> None:
    first = catalog.ensure_model("fraud", actor="ada")
    again = catalog.ensure_model("fraud", actor="bob")
    assert first == again
    assert [e.action for e in catalog.events()] == ["model.create"]


def test_missing_model_names_the_closest_matches(catalog: Catalog) -> None:
    catalog.create_model("fraud-detector", actor="ada")
    catalog.create_model("churn", actor="ada")
    with pytest.raises(NotFound) as info:
        catalog.get_model("fraud-detecter")
    assert "fraud-detecter" in info.value.message
    assert "fraud-detector" in info.value.hint and "churn" not in info.value.hint


def test_invalid_model_name_is_a_bad_ref(catalog: Catalog) -> None:
    with pytest.raises(BadRef):
        catalog.create_model("../etc", actor="ada")
    with pytest.raises(BadRef):
        catalog.get_model("has space")


def test_update_model_merges_tags_and_records_an_event(catalog: Catalog) -> None:
    catalog.create_model("fraud", tags={"team": "risk", "tier": "1"}, actor="ada")
    updated = catalog.update_model(
        "fraud", description="new", tags={"tier": "2"}, remove_tags=["team"], actor="bob"
    )
    assert updated.description == "new" and updated.tags == {"tier": "2"}
    assert updated.updated >= updated.created
    event = catalog.events(action="model.update")[-1]
    assert event.actor == "bob"
    assert event.before == {"description": "", "tags": {"team": "risk", "tier": "1"}}
    assert event.after == {"description": "new", "tags": {"tier": "2"}}
    # No change, no event.
    catalog.update_model("fraud", description="new", actor="bob")
    assert len(catalog.events(action="model.update")) == 1


def test_model_record_counts_versions_and_aliases(catalog: Catalog) -> None:
    log(catalog, "fraud", 3)
    catalog.set_alias("fraud", "production", 2, actor="ada")
    model = catalog.get_model("fraud")
    assert model.version_count == 3 and model.latest_version == 3
    assert model.aliases == {"production": 2}


def test_delete_model_removes_versions_and_aliases(catalog: Catalog) -> None:
    log(catalog, "fraud", 2)
    log(catalog, "churn", 1)
    catalog.set_alias("fraud", "production", 1, actor="ada")
    catalog.delete_model("fraud", actor="ada")
    with pytest.raises(NotFound):
        catalog.get_model("fraud")
    assert [v.model for v in catalog.search_versions(None).items] == ["churn"]
    assert catalog.referenced_digests() == {catalog.get_version("churn", 1).digest}
    deleted = catalog.events(action="model.delete")[-1]
    assert deleted.subject == "fraud" and deleted.before is not None
    assert deleted.before["versions"] == 2 and deleted.before["aliases"] == {"production": 1}
    # The name is free again, and numbering starts over.
    assert log(catalog, "fraud", 1) == [1]


def test_list_models_by_name_with_filter(catalog: Catalog) -> None:
    for name, owner in [("b", "x"), ("a", "y"), ("c", "x")]:
        catalog.create_model(name, owner=owner, tags={"team": owner}, actor="ada")
    assert [m.name for m in catalog.list_models().items] == ["a", "b", "c"]
    assert [m.name for m in catalog.list_models(filter='owner = "x"').items] == ["b", "c"]
    assert [m.name for m in catalog.list_models(filter="tags.team = y").items] == ["a"]
    assert [m.name for m in catalog.list_models(order_by="name desc").items] == ["c", "b", "a"]
    assert [m.name for m in catalog.list_models(filter='name like "%b%"').items] == ["b"]
