"""Corruption is always an error naming the chunk; fsck names every damaged thing."""

from __future__ import annotations

from pathlib import Path

import pytest

from cairn.errors import ChunkMissing, CorruptData
from cairn.store import Store
from cairn.store.manifest import manifest_key
from cairn.store.pack import PACK_PREFIX

from .conftest import write_random


def only_pack(store: Store) -> str:
    keys = [info.key for info in store.backend.list(PACK_PREFIX)]
    assert len(keys) == 1
    return keys[0]


def flip_byte(store: Store, key: str, offset: int) -> None:
    data = bytearray(store.backend.get(key))
    data[offset] ^= 0x55
    store.backend.put(key, bytes(data))


def test_healthy_store_passes(store: Store, tmp_path: Path) -> None:
    write_random(tmp_path / "m" / "w.bin", 1_000_000)
    snapshot = store.put_tree(tmp_path / "m")
    report = store.fsck()
    assert report.ok
    assert report.checked_snapshots == 1 and report.checked_packs == 1
    assert report.checked_chunks == len(snapshot.chunk_ids())
    assert report.checked_bytes == snapshot.size
    assert report.summary()[0].endswith("ok")


def test_flipped_byte_is_named_on_read_and_by_fsck(store: Store, tmp_path: Path) -> None:
    write_random(tmp_path / "m" / "w.bin", 1_000_000)
    write_random(tmp_path / "m" / "other.bin", 50_000, seed=9)
    snapshot = store.put_tree(tmp_path / "m")
    weights = snapshot.file("w.bin")
    assert weights is not None
    victim = weights.chunks[3][0]
    location = store.locate([victim])[victim]
    key = only_pack(store)
    flip_byte(store, key, location.offset + 100)

    with pytest.raises(CorruptData, match=victim):
        store.checkout(snapshot.digest, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if "cairn-tmp" in p.name]
    with pytest.raises(CorruptData, match=victim), store.open_file(snapshot.digest, "w.bin") as f:
        f.read()
    with pytest.raises(CorruptData, match=victim):
        list(store.export_chunks([victim]))

    report = store.fsck()
    assert not report.ok
    assert report.damaged_packs == (key,)
    assert report.damaged_chunks == (victim,)
    assert report.damaged_snapshots == (snapshot.digest,)
    assert report.damaged_files == ((snapshot.digest, "w.bin"),)
    assert any(victim in line for line in report.summary())
    with store.open_file(snapshot.digest, "other.bin") as f:  # the rest still reads
        assert f.read() == (tmp_path / "m" / "other.bin").read_bytes()


def test_missing_pack_is_reported(store: Store, tmp_path: Path) -> None:
    write_random(tmp_path / "m" / "w.bin", 300_000)
    snapshot = store.put_tree(tmp_path / "m")
    store.backend.delete(only_pack(store))
    with pytest.raises(ChunkMissing, match="chunk"):
        store.checkout(snapshot.digest, tmp_path / "out")
    report = store.fsck()
    assert not report.ok
    assert set(report.missing_chunks) == snapshot.chunk_ids()
    assert report.damaged_snapshots == (snapshot.digest,)


def test_damaged_manifest_is_reported(store: Store, tmp_path: Path) -> None:
    write_random(tmp_path / "m" / "w.bin", 1000)
    snapshot = store.put_tree(tmp_path / "m")
    key = manifest_key(snapshot.digest)
    store.backend.put(key, store.backend.get(key).replace(b"w.bin", b"x.bin"))
    store._snapshots.clear()
    with pytest.raises(CorruptData, match=snapshot.digest):
        store.snapshot(snapshot.digest)
    report = store.fsck()
    assert report.damaged_snapshots == (snapshot.digest,)
    assert not report.ok


def test_damaged_pack_index_is_reported(local_store: Store, tmp_path: Path) -> None:
    write_random(tmp_path / "m" / "w.bin", 100_000)
    snapshot = local_store.put_tree(tmp_path / "m")
    key = only_pack(local_store)
    size = local_store.backend.size(key)
    flip_byte(local_store, key, size - 30)
    report = local_store.fsck()
    assert report.damaged_packs == (key,)
    assert report.damaged_snapshots == (snapshot.digest,)
    assert set(report.missing_chunks) == snapshot.chunk_ids()
