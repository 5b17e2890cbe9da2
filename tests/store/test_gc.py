"""gc removes what nothing references once it is old enough, and never breaks a writer."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from cairn.errors import LockTimeout
from cairn.store import Store, open_store
from cairn.store.pack import PACK_PREFIX

from .conftest import files_of, write_random


def pack_keys(store: Store) -> set[str]:
    return {info.key for info in store.backend.list(PACK_PREFIX)}


def age_everything(root: Path, seconds: float = 7200) -> None:
    """Backdate every pack and manifest of a local store."""
    past = time.time() - seconds
    for folder in ("packs", "manifests"):
        for path in (root / folder).glob("*"):
            os.utime(path, (past, past))


def test_unreferenced_snapshot_goes_referenced_stays(store: Store, tmp_path: Path) -> None:
    write_random(tmp_path / "a" / "w.bin", 400_000, seed=1)
    write_random(tmp_path / "b" / "w.bin", 400_000, seed=2)
    old = store.put_tree(tmp_path / "a")
    old_packs = pack_keys(store)
    kept = store.put_tree(tmp_path / "b")
    report = store.gc([kept.digest], grace=0)
    assert report.manifests_deleted == (old.digest,)
    assert {f"{PACK_PREFIX}{name}.pack" for name in report.packs_deleted} == old_packs
    assert report.bytes_freed > 400_000
    assert pack_keys(store).isdisjoint(old_packs)
    assert not store.has_snapshot(old.digest)
    store.checkout(kept.digest, tmp_path / "out")
    assert files_of(tmp_path / "out") == files_of(tmp_path / "b")
    assert store.fsck().ok


def test_grace_period_protects_young_data(store: Store, tmp_path: Path) -> None:
    write_random(tmp_path / "a" / "w.bin", 100_000)
    young = store.put_tree(tmp_path / "a")
    report = store.gc([], grace=3600)
    assert report.packs_deleted == () and report.manifests_deleted == ()
    assert store.has_snapshot(young.digest)


def test_grace_is_measured_from_the_write(local_store: Store, tmp_path: Path) -> None:
    write_random(tmp_path / "a" / "w.bin", 100_000)
    snapshot = local_store.put_tree(tmp_path / "a")
    age_everything(tmp_path / "store")
    report = local_store.gc([], grace=3600)
    assert report.manifests_deleted == (snapshot.digest,)
    assert len(report.packs_deleted) == 1


def test_dry_run_changes_nothing(store: Store, tmp_path: Path) -> None:
    write_random(tmp_path / "a" / "w.bin", 100_000)
    snapshot = store.put_tree(tmp_path / "a")
    before = pack_keys(store)
    report = store.gc([], grace=0, dry_run=True)
    assert report.dry_run and report.manifests_deleted == (snapshot.digest,)
    assert report.summary()[0].startswith("would free")
    assert pack_keys(store) == before and store.has_snapshot(snapshot.digest)


def test_mostly_dead_pack_is_rewritten(store: Store, tmp_path: Path) -> None:
    write_random(tmp_path / "both" / "big.bin", 1_000_000, seed=1)
    write_random(tmp_path / "both" / "small.bin", 100_000, seed=2)
    store.put_tree(tmp_path / "both")
    (tmp_path / "both" / "big.bin").unlink()
    small = store.put_tree(tmp_path / "both")
    (old_pack,) = pack_keys(store)
    report = store.gc([small.digest], grace=0)
    assert len(report.packs_rewritten) == 1 and report.packs_deleted == ()
    (new_pack,) = pack_keys(store)
    assert new_pack != old_pack
    assert store.backend.size(new_pack) < 200_000
    store.checkout(small.digest, tmp_path / "out")
    assert files_of(tmp_path / "out") == files_of(tmp_path / "both")
    assert store.fsck().ok


def test_unknown_keep_digests_are_reported(store: Store, tmp_path: Path) -> None:
    absent = "blake3:" + "ab" * 32
    assert store.gc([absent], grace=0).unknown_keep == (absent,)


def test_gc_waits_for_the_lock(
    local_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cairn.store.gc as gc_module

    monkeypatch.setattr(gc_module, "LOCK_WAIT_SECONDS", 0.2)
    with local_store.backend.lock("gc", timeout=1), pytest.raises(LockTimeout, match="gc"):
        local_store.gc([], grace=0)


class PausedWriter:
    """put_tree in a thread (its own Store object) that stops after the first pack is durable."""

    def __init__(self, url: str, source: Path) -> None:
        self.paused = threading.Event()
        self.resume = threading.Event()
        self.result: list[object] = []
        self._seen = 0

        def progress(count: int) -> None:
            self._seen += count
            if self._seen >= 2_500_000 and not self.paused.is_set():
                self.paused.set()
                assert self.resume.wait(30)

        def run() -> None:
            with open_store(url) as store:
                try:
                    self.result.append(store.put_tree(source, progress=progress))
                except BaseException as error:
                    self.result.append(error)

        self.thread = threading.Thread(target=run)
        self.thread.start()
        assert self.paused.wait(30)

    def finish(self) -> object:
        self.resume.set()
        self.thread.join(60)
        return self.result[0]


@pytest.fixture
def small_packs(monkeypatch: pytest.MonkeyPatch) -> None:
    import cairn.store.pack as pack_module

    monkeypatch.setattr(pack_module, "TARGET_PACK_SIZE", 1024 * 1024)


@pytest.mark.usefixtures("small_packs")
@pytest.mark.parametrize("grace", [3600.0, 0.0])
def test_gc_during_a_write_keeps_the_writer_whole(
    store_url: str, tmp_path: Path, grace: float
) -> None:
    """grace > 0: the writer's new packs are too young to go. grace = 0: gc deletes them, and the
    writer notices (gc epoch) and writes them again before it returns."""
    source = tmp_path / "m"
    write_random(source / "w.bin", 6_000_000)
    with open_store(store_url) as gc_side:
        writer = PausedWriter(store_url, source)
        written_so_far = pack_keys(gc_side)
        assert written_so_far  # the writer has durable packs no manifest references yet
        report = gc_side.gc([], grace=grace)
        if grace:
            assert report.packs_deleted == () and pack_keys(gc_side) >= written_so_far
        else:
            assert set(report.packs_deleted)  # the writer must notice and write them again
        snapshot = writer.finish()
        assert not isinstance(snapshot, BaseException), snapshot
        gc_side.checkout(snapshot.digest, tmp_path / "out")  # type: ignore[attr-defined]
        assert files_of(tmp_path / "out") == files_of(source)
        assert gc_side.fsck().ok


@pytest.mark.usefixtures("small_packs")
def test_gc_cannot_pull_reused_chunks_from_under_a_writer(tmp_path: Path) -> None:
    """The writer dedups against an old unreferenced snapshot that gc deletes meanwhile."""
    url = str(tmp_path / "store")
    source = tmp_path / "m"
    write_random(source / "w.bin", 6_000_000)
    with open_store(url) as gc_side:
        gc_side.put_tree(source)
        age_everything(tmp_path / "store")
        writer = PausedWriter(url, source)
        report = gc_side.gc([], grace=60)
        assert report.packs_deleted  # the old chunks the writer is reusing are gone
        snapshot = writer.finish()
        assert not isinstance(snapshot, BaseException), snapshot
        gc_side.checkout(snapshot.digest, tmp_path / "out")  # type: ignore[attr-defined]
        assert files_of(tmp_path / "out") == files_of(source)
        assert gc_side.fsck().ok


def test_another_store_object_recovers_after_gc_moves_chunks(tmp_path: Path) -> None:
    """Two clients of one bucket: the second one's index cache still names the old pack."""
    url = "memory://gc-two-clients"
    write_random(tmp_path / "both" / "big.bin", 1_000_000, seed=1)
    write_random(tmp_path / "both" / "small.bin", 100_000, seed=2)
    with open_store(url) as first, open_store(url) as second:
        first.put_tree(tmp_path / "both")
        (tmp_path / "both" / "big.bin").unlink()
        small = first.put_tree(tmp_path / "both")
        second.refresh_index()
        assert first.gc([small.digest], grace=0).packs_rewritten
        second.checkout(small.digest, tmp_path / "out")
        assert files_of(tmp_path / "out") == files_of(tmp_path / "both")


def test_gc_keeps_a_live_chunk_the_index_has_lost(tmp_path: Path) -> None:
    """Two writers stored the same chunks in two packs; one pack then vanished. The index
    cache no longer places those chunks anywhere, yet gc must keep the other copy."""
    url = "memory://gc-lost-index"
    write_random(tmp_path / "m" / "w.bin", 300_000)
    write_random(tmp_path / "more" / "extra.bin", 1000, seed=5)
    with open_store(url) as second:
        with open_store(url) as first:
            snapshot = first.put_tree(tmp_path / "m")
        second.put_tree([tmp_path / "m" / "w.bin", tmp_path / "more" / "extra.bin"])
    with open_store(url) as third:
        assert len(pack_keys(third)) == 2  # the second writer's index did not know the first pack
        chunk = next(iter(snapshot.chunk_ids()))
        chosen = third.locate([chunk])[chunk].pack
        third.backend.delete(f"{PACK_PREFIX}{chosen}.pack")
        third.refresh_index()
        assert third.index.locate([chunk]) == {}
        report = third.gc([snapshot.digest], grace=0)
        assert report.packs_deleted == ()
        third.checkout(snapshot.digest, tmp_path / "out")
    assert files_of(tmp_path / "out") == files_of(tmp_path / "m")
