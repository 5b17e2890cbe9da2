"""Logging, resolving, updating and deleting versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from cairn.errors import AmbiguousRef, BadRef, NotFound, VersionExists
from cairn.registry import Registry


def test_log_creates_numbered_versions_with_provenance(reg: Registry, artifact: Path) -> None:
    v1 = reg.log(
        artifact,
        model="fraud",
        params={"depth": 4},
        metrics={"auc": 0.91},
        tags={"team": "risk"},
        description="first",
    )
    (artifact / "weights.bin").write_bytes(b"changed" * 100)
    v2 = reg.log(
        artifact,
        model="fraud",
        parents=["fraud/1"],
        datasets=[{"name": "train", "uri": "s3://data/train.parquet", "digest": None}],
    )
    assert (v1.number, v2.number) == (1, 2)
    assert v1.digest.startswith("blake3:") and v1.digest != v2.digest
    assert v1.file_count == 2 and v1.size == 1_000_000 + len('{"depth": 4}')
    assert v1.author == "alice"
    assert v1.params == {"depth": 4} and v1.metrics == {"auc": 0.91}
    assert [str(p) for p in v2.parents] == ["fraud/1"]
    assert v2.datasets[0].name == "train"
    assert reg.get_model("fraud").latest_version == 2


def test_log_records_the_git_commit_of_the_working_directory(
    reg: Registry, artifact: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    repo = tmp_path / "code"
    repo.mkdir()
    for args in (
        ["init", "-q", "-b", "main"],
        ["-c", "user.name=t", "-c", "user.email=t@x", "commit", "-q", "--allow-empty", "-m", "x"],
    ):
        subprocess.run(["git", *args], cwd=repo, check=True)
    monkeypatch.chdir(repo)
    v = reg.log(artifact, model="m")
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert v.git is not None and v.git.commit == head and v.git.branch == "main"

    # The repository's place is reused for two seconds; the commit is read every time.
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-q", "--allow-empty",
         "-m", "y"],
        cwd=repo,
        check=True,
    )  # fmt: skip
    again = reg.log(artifact, model="m")
    new_head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert again.git is not None and again.git.commit == new_head != head


def test_local_dataset_is_named_by_digest(reg: Registry, artifact: Path, tmp_path: Path) -> None:
    data = tmp_path / "train.csv"
    data.write_text("a,b\n1,2\n")
    v = reg.log(artifact, model="m", datasets=[f"train={data}"])
    assert v.datasets[0].digest is not None and v.datasets[0].digest.startswith("blake3:")


def test_same_bytes_reuse_storage_or_fail_when_unique(reg: Registry, artifact: Path) -> None:
    v1 = reg.log(artifact, model="m")
    v2 = reg.log(artifact, model="m")
    assert v2.digest == v1.digest and v2.number == 2
    assert [d.ref for d in reg.duplicates(v2)] == ["m/1"]
    with pytest.raises(VersionExists, match="version 1"):
        reg.log(artifact, model="m", unique=True)
    assert reg.get_model("m").latest_version == 2


def test_refs_resolve_every_form(reg: Registry, artifact: Path) -> None:
    v1 = reg.log(artifact, model="m")
    (artifact / "config.json").write_text("{}")
    v2 = reg.log(artifact, model="m")
    reg.set_alias("m", "production", 1)
    assert reg.resolve("m@production").number == 1
    assert reg.resolve("m/2").digest == v2.digest
    assert reg.resolve("m/latest").number == 2
    assert reg.resolve("m").number == 2
    assert reg.resolve(f"m:{v1.digest[7:19]}").number == 1


def test_bad_refs_name_what_to_do(reg: Registry, artifact: Path) -> None:
    reg.log(artifact, model="fraud-detector")
    with pytest.raises(NotFound, match="fraud-detector"):
        reg.resolve("fraud-detectr/1")
    with pytest.raises(NotFound):
        reg.resolve("fraud-detector/9")
    with pytest.raises(NotFound):
        reg.resolve("fraud-detector@production")
    with pytest.raises(BadRef):
        reg.resolve("fraud-detector/zero")
    with pytest.raises(NotFound, match="digest"):
        reg.resolve("fraud-detector:ffffffff")


def test_ambiguous_digest_prefix_lists_the_candidates(reg: Registry, tmp_path: Path) -> None:
    # Digests are the same in every store, so find two artifacts whose digests share 4 hex
    # digits in a scratch in-memory store (cheap), then log both to the registry under test.
    from cairn.store import open_store

    scratch = open_store("memory://ambiguous-prefix")
    seen: dict[str, Path] = {}
    for i in range(5000):
        f = tmp_path / f"f{i}"
        f.write_text(str(i))
        prefix = scratch.put_tree(f).digest[7:11]
        if prefix in seen:
            first, second = reg.log(seen[prefix], model="m"), reg.log(f, model="m")
            assert first.digest[7:11] == second.digest[7:11] == prefix
            with pytest.raises(AmbiguousRef, match="matches 2 versions"):
                reg.resolve(f"m:{prefix}")
            assert reg.resolve(f"m:{second.digest[7:20]}").number == second.number
            return
        seen[prefix] = f
    pytest.fail("no 4-hex-digit prefix collided in 5000 artifacts")


def test_checkout_round_trips_bytes(reg: Registry, artifact: Path, tmp_path: Path) -> None:
    reg.log(artifact, model="m")
    dest = tmp_path / "out"
    reg.get("m/1", dest)
    assert (dest / "weights.bin").read_bytes() == (artifact / "weights.bin").read_bytes()
    assert (dest / "config.json").read_text() == '{"depth": 4}'


def test_status_lifecycle_and_latest_skips_deleted(reg: Registry, artifact: Path) -> None:
    reg.log(artifact, model="m")
    (artifact / "config.json").write_text("{}")
    reg.log(artifact, model="m")
    assert reg.archive("m/2").status == "archived"
    assert reg.delete("m/2").status == "deleted"
    assert reg.resolve("m/latest").number == 1
    assert reg.restore("m/2").status == "ready"
    assert reg.resolve("m/latest").number == 2


def test_only_description_and_tags_change(reg: Registry, artifact: Path) -> None:
    v = reg.log(artifact, model="m", tags={"a": "1", "b": "2"})
    updated = reg.update_version(
        "m/1", description="better words", tags={"c": "3"}, remove_tags=["a"]
    )
    assert updated.description == "better words"
    assert updated.tags == {"b": "2", "c": "3"}
    assert updated.digest == v.digest and updated.params == v.params


def test_gc_removes_bytes_of_deleted_versions_after_grace(
    reg: Registry, artifact: Path, tmp_path: Path
) -> None:
    reg.log(artifact, model="m")
    other = tmp_path / "other.bin"
    other.write_bytes(b"unique bytes only in version 2" * 1000)
    reg.log(other, model="m")
    reg.delete("m/2")
    reg.gc(grace=3600)  # still inside the grace period: kept, restorable
    assert reg.restore("m/2").status == "ready"
    reg.delete("m/2")
    reg.gc(grace=0)
    with pytest.raises(NotFound):
        reg.resolve("m/2")
    assert reg.fsck().ok
    assert reg.resolve("m/1").number == 1
