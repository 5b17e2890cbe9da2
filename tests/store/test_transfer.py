"""Copying between stores sends only what the other side lacks, and verifies what it gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from cairn.digest import hash_bytes
from cairn.errors import ChunkMissing, CorruptData
from cairn.store import Store, open_store

from .conftest import files_of, write_random


def test_copy_sends_only_missing_chunks(store: Store, tmp_path: Path) -> None:
    source_dir = tmp_path / "m"
    write_random(source_dir / "w.bin", 2_000_000)
    with open_store(tmp_path / "origin") as origin:
        first = origin.put_tree(source_dir)
        stats = origin.copy(first.digest, store)
        assert stats.chunks_sent == len(first.chunk_ids()) and stats.bytes_sent == first.size
        assert stats.chunks_skipped == 0
        again = origin.copy(first.digest, store)
        assert (again.chunks_sent, again.bytes_sent) == (0, 0)
        assert again.bytes_skipped == first.size

        data = bytearray((source_dir / "w.bin").read_bytes())
        data[1_000_000:1_000_004] = b"edit"
        (source_dir / "w.bin").write_bytes(bytes(data))
        second = origin.put_tree(source_dir)
        sent: list[int] = []
        delta = origin.copy(second.digest, store, progress=sent.append)
        assert delta.bytes_sent == origin.new_bytes(first, second) == sum(sent)
        assert 0 < delta.bytes_sent < 600_000
    store.checkout(second.digest, tmp_path / "out")
    assert files_of(tmp_path / "out") == files_of(source_dir)
    assert store.fsck().ok


def test_missing_export_import_manifest(store: Store, tmp_path: Path) -> None:
    write_random(tmp_path / "m" / "w.bin", 500_000)
    with open_store("memory://") as origin:
        snapshot = origin.put_tree(tmp_path / "m")
        ids = sorted(snapshot.chunk_ids())
        assert store.missing(ids) == ids
        with pytest.raises(ChunkMissing, match="blake3:"):
            store.put_manifest(origin.manifest_bytes(snapshot.digest))
        chunks = list(origin.export_chunks(ids[:2]))
        assert all(hash_bytes(data) == chunk_id for chunk_id, data in chunks)
        assert store.import_chunks(chunks) == sum(len(d) for _, d in chunks)
        assert store.import_chunks(chunks) == 0  # already there
        assert store.missing(ids) == ids[2:]
        store.import_chunks(origin.export_chunks(ids[2:]))
        stored = store.put_manifest(origin.manifest_bytes(snapshot.digest))
    assert stored == snapshot
    assert store.manifest_bytes(snapshot.digest) == origin.manifest_bytes(snapshot.digest)


def test_import_refuses_bytes_that_do_not_match_their_id(store: Store) -> None:
    good = b"good bytes"
    with pytest.raises(CorruptData, match=hash_bytes(good)):
        store.import_chunks([(hash_bytes(good), b"evil bytes")])
    assert store.missing([hash_bytes(good)]) == [hash_bytes(good)]
    assert store.fsck().ok
