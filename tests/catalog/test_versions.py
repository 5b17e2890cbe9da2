"""Versions: numbering, what they record, immutability, status, digests, purge."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cairn.catalog import Catalog, Dataset, GitInfo, VersionKey
from cairn.errors import BadRef, InvalidInput, NotFound

from .conftest import DIGEST_A, DIGEST_B, digest, log


def test_numbers_count_up_per_model_and_create_the_model(catalog: Catalog) -> None:
    assert log(catalog, "fraud", 3) == [1, 2, 3]
    assert log(catalog, "churn", 2) == [1, 2]
    assert catalog.get_model("fraud").version_count == 3
    actions = [e.action for e in catalog.events()]
    assert actions[:2] == ["model.create", "version.create"]


def test_a_version_records_everything_it_was_given(catalog: Catalog) -> None:
    log(catalog, "base", 1)
    made = catalog.create_version(
        "fraud",
        digest=DIGEST_A,
        size=1234,
        file_count=3,
        author="ada",
        actor="ci",
        flavor="sklearn",
        params={"depth": 4, "lr": 0.1, "opt": "adam", "balanced": True},
        metrics={"auc": 0.93, "n": 7},
        tags={"team": "risk"},
        description="first",
        git=GitInfo(commit="abc123", branch="main", dirty=True),
        parents=[VersionKey(model="base", number=1)],
        datasets=[Dataset(name="train", uri="s3://b/train.parquet", digest="sha256:00ff")],
        meta={"signature": {"inputs": [{"name": "x", "type": "double"}]}},
    )
    got = catalog.get_version("fraud", 1)
    assert got == made
    assert got.params == {"depth": 4, "lr": 0.1, "opt": "adam", "balanced": True}
    assert isinstance(got.params["depth"], int) and isinstance(got.params["balanced"], bool)
    assert got.metrics == {"auc": 0.93, "n": 7.0}
    assert got.git == GitInfo(commit="abc123", branch="main", dirty=True)
    assert got.parents == [VersionKey(model="base", number=1)]
    assert got.datasets[0].digest == "sha256:00ff"
    assert got.meta["signature"]["inputs"][0]["name"] == "x"
    assert got.author == "ada" and got.status == "ready" and got.status_changed is None
    assert got.created.tzinfo is not None
    event = catalog.events(action="version.create")[-1]
    assert event.subject == "fraud/1" and event.actor == "ci"
    assert event.after is not None and event.after["digest"] == DIGEST_A
    assert event.after["parents"] == ["base/1"]


def test_missing_parent_is_not_found(catalog: Catalog) -> None:
    log(catalog, "base", 1)
    with pytest.raises(NotFound, match="base/7"):
        log(catalog, "fraud", 1, parents=[VersionKey(model="base", number=7)])
    with pytest.raises(NotFound, match="nope"):
        log(catalog, "fraud", 1, parents=[VersionKey(model="nope", number=1)])
    # Nothing was written by the failed attempts.
    with pytest.raises(NotFound):
        catalog.get_model("fraud")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("metrics", {"auc": float("nan")}),
        ("metrics", {"auc": "high"}),
        ("params", {"cfg": {"nested": 1}}),
        ("params", {"": 1}),
        ("tags", {"t": ["a"]}),
        ("meta", {"x": object()}),
        ("digest", "md5-not-a-digest"),
        ("size", -1),
    ],
)
def test_bad_input_is_refused(module_catalog: Catalog, field: str, value: object) -> None:
    with pytest.raises(InvalidInput):
        log(module_catalog, "bad-input", 1, **{field: value})
    with pytest.raises(NotFound):
        module_catalog.get_model("bad-input")


def test_get_missing_version_says_what_exists(catalog: Catalog) -> None:
    log(catalog, "fraud", 2)
    with pytest.raises(NotFound) as info:
        catalog.get_version("fraud", 9)
    assert "fraud/9" in info.value.message and "2" in info.value.hint
    with pytest.raises(NotFound, match="model 'frud'"):
        catalog.get_version("frud", 1)


def test_versions_are_immutable_except_description_tags_status(catalog: Catalog) -> None:
    log(catalog, "fraud", 1, tags={"a": "1", "b": "2"}, params={"depth": 4})
    before = catalog.get_version("fraud", 1)
    after = catalog.update_version(
        "fraud", 1, description="better", tags={"c": "3"}, remove_tags=["a"], actor="bob"
    )
    assert after.description == "better" and after.tags == {"b": "2", "c": "3"}
    unchanged = ("digest", "size", "file_count", "params", "metrics", "author", "created")
    for name in unchanged:
        assert getattr(after, name) == getattr(before, name)
    # There is no way to change anything else; logging again makes a new number.
    with pytest.raises(TypeError):
        catalog.update_version("fraud", 1, digest=DIGEST_B, actor="bob")  # type: ignore[call-arg]
    assert log(catalog, "fraud", 1, digest=DIGEST_B) == [2]
    assert catalog.get_version("fraud", 1).digest == before.digest
    event = catalog.events(action="version.update")[-1]
    assert event.before == {"description": "", "tags": {"a": "1", "b": "2"}}
    assert event.after == {"description": "better", "tags": {"b": "2", "c": "3"}}
    # The search tables follow the tags.
    assert [v.number for v in catalog.search_versions("tags.c = '3'").items] == [1]
    assert catalog.search_versions("tags.a = '1'").items == []


def test_status_transitions(catalog: Catalog) -> None:
    log(catalog, "fraud", 3)
    archived = catalog.update_version("fraud", 3, status="archived", actor="ada")
    assert archived.status == "archived" and archived.status_changed is not None
    assert catalog.latest_version("fraud").number == 3  # archived is still there
    deleted = catalog.update_version("fraud", 3, status="deleted", actor="ada")
    assert deleted.status == "deleted"
    assert catalog.latest_version("fraud").number == 2
    model = catalog.get_model("fraud")
    assert model.version_count == 2 and model.latest_version == 2
    assert [v.number for v in catalog.list_versions("fraud").items] == [2, 1]
    everything = catalog.list_versions("fraud", include_deleted=True).items
    assert [v.number for v in everything] == [3, 2, 1]
    restored = catalog.update_version("fraud", 3, status="ready", actor="ada")
    assert restored.status == "ready" and catalog.latest_version("fraud").number == 3
    assert catalog.get_model("fraud").version_count == 3
    actions = [e.action for e in catalog.events(subject="fraud/3")]
    assert actions == ["version.create", "version.archive", "version.delete", "version.restore"]
    with pytest.raises(InvalidInput, match="not a version status"):
        catalog.update_version("fraud", 3, status="gone", actor="ada")  # type: ignore[arg-type]


def test_deleting_the_only_versions_leaves_no_latest(catalog: Catalog) -> None:
    log(catalog, "fraud", 1)
    catalog.update_version("fraud", 1, status="deleted", actor="ada")
    with pytest.raises(NotFound, match="no versions"):
        catalog.latest_version("fraud")
    assert log(catalog, "fraud", 1) == [2]  # numbers are never reused


def test_an_aliased_version_cannot_be_deleted(catalog: Catalog) -> None:
    log(catalog, "fraud", 1)
    catalog.set_alias("fraud", "production", 1, actor="ada")
    with pytest.raises(InvalidInput, match="fraud@production"):
        catalog.update_version("fraud", 1, status="deleted", actor="ada")


def test_find_by_digest_prefix(catalog: Catalog) -> None:
    log(catalog, "fraud", 1, digest="blake3:" + "ab12" + "0" * 60)
    log(catalog, "fraud", 1, digest="blake3:" + "ab34" + "0" * 60)
    log(catalog, "fraud", 1, digest="blake3:" + "ff" * 32)
    log(catalog, "fraud", 1, digest="sha256:" + "ff" * 32)  # another algorithm sorts after
    log(catalog, "other", 1, digest="blake3:" + "ab12" + "0" * 60)
    assert [v.number for v in catalog.find_versions("fraud", "ab")] == [1, 2]
    assert [v.number for v in catalog.find_versions("fraud", "blake3:ab3")] == [2]
    assert [v.number for v in catalog.find_versions("fraud", "AB12")] == [1]
    assert [v.number for v in catalog.find_versions("fraud", "ffff")] == [3]
    assert [v.number for v in catalog.find_versions("fraud", "sha256:ff")] == [4]
    assert catalog.find_versions("fraud", "cd") == []
    with pytest.raises(BadRef):
        catalog.find_versions("fraud", "xyz")


def test_same_bytes_in_any_model(catalog: Catalog) -> None:
    log(catalog, "fraud", 1, digest=DIGEST_A)
    log(catalog, "churn", 1, digest=DIGEST_A)
    log(catalog, "churn", 1, digest=DIGEST_B)
    found = catalog.versions_with_digest(DIGEST_A)
    assert [(v.model, v.number) for v in found] == [("churn", 1), ("fraud", 1)]
    assert catalog.versions_with_digest(digest(99)) == []
    assert catalog.referenced_digests() == {DIGEST_A, DIGEST_B}


def test_purge_removes_only_versions_deleted_before_the_cutoff(catalog: Catalog) -> None:
    log(catalog, "fraud", 3)
    gone = catalog.update_version("fraud", 1, status="deleted", actor="ada")
    assert gone.status_changed is not None
    catalog.update_version("fraud", 2, status="archived", actor="ada")
    assert catalog.purge_deleted(gone.status_changed, actor="gc") == []  # not *before*
    purged = catalog.purge_deleted(gone.status_changed + timedelta(seconds=1), actor="gc")
    assert [v.number for v in purged] == [1]
    with pytest.raises(NotFound):
        catalog.get_version("fraud", 1)
    assert digest(1) not in catalog.referenced_digests()
    assert catalog.events(action="version.purge")[-1].subject == "fraud/1"
    assert log(catalog, "fraud", 1) == [4]


def test_lineage_survives_a_purged_parent(catalog: Catalog) -> None:
    log(catalog, "base", 1)
    log(catalog, "fraud", 1, parents=[VersionKey(model="base", number=1)])
    gone = catalog.update_version("base", 1, status="deleted", actor="ada")
    assert gone.status_changed is not None
    catalog.purge_deleted(gone.status_changed + timedelta(seconds=1), actor="gc")
    assert catalog.get_version("fraud", 1).parents == [VersionKey(model="base", number=1)]
