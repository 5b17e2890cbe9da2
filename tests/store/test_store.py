"""put_tree / snapshot / checkout / open_file on every backend."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import pytest

from cairn.digest import hash_bytes, is_digest
from cairn.errors import AlreadyExists, NotFound, StoreFormatError
from cairn.store import Snapshot, Store, open_store

from .conftest import files_of, write_random


def make_model(root: Path) -> Path:
    write_random(root / "weights.bin", 3_000_000, seed=1)
    write_random(root / "nested" / "deep" / "extra.bin", 200_000, seed=2)
    (root / "config.json").write_text(json.dumps({"layers": 3}))
    (root / "empty.txt").write_bytes(b"")
    return root


def test_round_trip_is_byte_exact(store: Store, tmp_path: Path) -> None:
    source = make_model(tmp_path / "model")
    (source / "run.sh").write_text("#!/bin/sh\n")
    (source / "run.sh").chmod(0o750)
    snapshot = store.put_tree(source)
    assert is_digest(snapshot.digest)
    assert snapshot.file_count == 5
    assert snapshot.size == sum(len(b) for b in files_of(source).values())
    store.checkout(snapshot.digest, tmp_path / "out")
    assert files_of(tmp_path / "out") == files_of(source)
    assert (tmp_path / "out" / "run.sh").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "out" / "config.json").stat().st_mode & 0o777 == 0o644
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".cairn-tmp")]


def test_manifest_lists_sorted_files_with_hashes(store: Store, tmp_path: Path) -> None:
    source = make_model(tmp_path / "model")
    snapshot = store.put_tree(source)
    manifest = store.manifest_bytes(snapshot.digest)
    assert hash_bytes(manifest) == snapshot.digest
    document = json.loads(manifest)
    assert document["format"] == "cairn.manifest/1"
    paths = [item["path"] for item in document["files"]]
    expected = ["config.json", "empty.txt", "nested/deep/extra.bin", "weights.bin"]
    assert paths == sorted(paths) == expected
    weights = snapshot.files[-1]
    assert weights.digest == hash_bytes((source / "weights.bin").read_bytes())
    assert sum(length for _, length in weights.chunks) == weights.size
    assert min(length for _, length in weights.chunks[:-1]) >= 16 * 1024
    assert max(length for _, length in weights.chunks) <= 256 * 1024
    assert snapshot.files[1].chunks == ()  # the empty file has no chunks
    config = snapshot.files[0]
    assert len(config.chunks) == 1  # a small file is one chunk


def test_same_bytes_same_digest_across_stores(tmp_path: Path) -> None:
    source = make_model(tmp_path / "model")
    with open_store(tmp_path / "a") as one, open_store("memory://") as two:
        first = one.put_tree(source)
        second = two.put_tree(source)
    copy = tmp_path / "copy"
    copy.mkdir()
    for name, data in files_of(source).items():
        write = copy / name
        write.parent.mkdir(parents=True, exist_ok=True)
        write.write_bytes(data)
    with open_store(tmp_path / "c") as three:
        assert first.digest == second.digest == three.put_tree(copy).digest


def test_second_put_of_same_tree_writes_nothing(local_store: Store, tmp_path: Path) -> None:
    source = make_model(tmp_path / "model")
    first = local_store.put_tree(source)
    packs = sorted((tmp_path / "store" / "packs").iterdir())
    again = local_store.put_tree(source)
    assert again == first
    assert sorted((tmp_path / "store" / "packs").iterdir()) == packs


def test_edit_stores_only_changed_chunks(local_store: Store, tmp_path: Path) -> None:
    source = make_model(tmp_path / "model")
    before = local_store.put_tree(source)
    data = bytearray((source / "weights.bin").read_bytes())
    data[1_500_000:1_500_010] = b"0123456789"
    (source / "weights.bin").write_bytes(bytes(data))
    after = local_store.put_tree(source)
    assert after.digest != before.digest
    assert 0 < local_store.new_bytes(before, after) <= 3 * 256 * 1024
    assert local_store.new_bytes(None, after) == after.size - 0  # every byte is new vs nothing
    packs = sum(p.stat().st_size for p in (tmp_path / "store" / "packs").iterdir())
    assert packs < before.size + 3 * 256 * 1024 + 64 * 1024


def test_list_of_paths_uses_basenames_and_folder_names(store: Store, tmp_path: Path) -> None:
    make_model(tmp_path / "model")
    readme = tmp_path / "README.md"
    readme.write_text("hi")
    snapshot = store.put_tree([readme, tmp_path / "model" / "nested"])
    assert [f.path for f in snapshot.files] == ["README.md", "nested/deep/extra.bin"]


def test_progress_counts_every_byte(store: Store, tmp_path: Path) -> None:
    source = make_model(tmp_path / "model")
    seen: list[int] = []
    snapshot = store.put_tree(source, progress=seen.append)
    assert sum(seen) == snapshot.size
    written: list[int] = []
    store.checkout(snapshot.digest, tmp_path / "out", progress=written.append)
    assert sum(written) == snapshot.size


def test_snapshot_reads_back_from_a_new_store_object(store_url: str, tmp_path: Path) -> None:
    source = make_model(tmp_path / "model")
    with open_store(store_url) as first:
        digest = first.put_tree(source).digest
    with open_store(store_url, create=False) as second:
        snapshot = second.snapshot(digest)
        assert isinstance(snapshot, Snapshot)
        assert second.has_snapshot(digest)
        second.checkout(digest, tmp_path / "out")
    assert files_of(tmp_path / "out") == files_of(source)


def test_open_file_streams_one_file(store: Store, tmp_path: Path) -> None:
    source = make_model(tmp_path / "model")
    snapshot = store.put_tree(source)
    with store.open_file(snapshot.digest, "weights.bin") as stream:
        head = stream.read(10)
        rest = stream.read()
    assert head + rest == (source / "weights.bin").read_bytes()
    with pytest.raises(NotFound, match="nothere"):
        store.open_file(snapshot.digest, "nothere")


def test_unknown_snapshot_is_not_found(store: Store) -> None:
    digest = hash_bytes(b"never stored")
    assert not store.has_snapshot(digest)
    with pytest.raises(NotFound, match=digest):
        store.snapshot(digest)


def test_checkout_refuses_a_non_empty_destination(store: Store, tmp_path: Path) -> None:
    snapshot = store.put_tree(make_model(tmp_path / "model"))
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    with pytest.raises(AlreadyExists, match="dest"):
        store.checkout(snapshot.digest, dest)
    assert (dest / "keep.txt").read_text() == "mine"
    empty = tmp_path / "empty"
    empty.mkdir()
    store.checkout(snapshot.digest, empty)
    assert (empty / "weights.bin").exists()


def test_open_missing_store_without_create(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no cairn store"):
        open_store(tmp_path / "absent", create=False)
    assert not (tmp_path / "absent").exists()


def test_store_records_its_format_and_refuses_newer(tmp_path: Path) -> None:
    open_store(tmp_path / "s").close()
    record = json.loads((tmp_path / "s" / "cairn-store.json").read_text())
    assert record["version"] == 1 and record["format"] == "cairn-store"
    record["version"] = 99
    (tmp_path / "s" / "cairn-store.json").write_text(json.dumps(record))
    with pytest.raises(StoreFormatError, match="99"):
        open_store(tmp_path / "s")


def test_file_url_opens_the_local_backend(tmp_path: Path) -> None:
    with open_store((tmp_path / "s").as_uri()) as opened:
        opened.put_tree([write_random(tmp_path / "f.bin", 10)])
    assert (tmp_path / "s" / "cairn-store.json").exists()
    assert any((tmp_path / "s" / "packs").iterdir())


def test_index_cache_is_rebuilt_when_lost(tmp_path: Path) -> None:
    source = make_model(tmp_path / "model")
    with open_store(tmp_path / "s") as first:
        digest = first.put_tree(source).digest
    for leftover in (tmp_path / "s" / "cache").iterdir():
        os.remove(leftover)
    with open_store(tmp_path / "s") as second:
        assert second.missing(second.snapshot(digest).chunk_ids()) == []
        second.checkout(digest, tmp_path / "out")
    assert files_of(tmp_path / "out") == files_of(source)


def test_repeated_chunks_are_stored_once_and_read_back(store: Store, tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "zeros.bin").write_bytes(bytes(3_000_000))
    (tmp_path / "m" / "copy.bin").write_bytes(bytes(3_000_000))
    snapshot = store.put_tree(tmp_path / "m")
    assert len(snapshot.chunk_ids()) <= 2  # full-size zero chunks plus the tail
    assert store.fsck().checked_chunks == len(snapshot.chunk_ids())
    store.checkout(snapshot.digest, tmp_path / "out")
    assert files_of(tmp_path / "out") == files_of(tmp_path / "m")


def test_a_files_new_chunks_sit_together_in_order(local_store: Store, tmp_path: Path) -> None:
    from cairn.store.pack import pack_name, read_pack_index

    write_random(tmp_path / "m" / "a.bin", 1_500_000, seed=1)
    write_random(tmp_path / "m" / "b.bin", 1_500_000, seed=2)
    snapshot = local_store.put_tree(tmp_path / "m")
    (info,) = list(local_store.backend.list("packs/"))
    name = pack_name(info.key)
    assert name is not None
    entries, _ = read_pack_index(local_store.backend, name)
    in_file_order = [chunk_id for entry in snapshot.files for chunk_id, _ in entry.chunks]
    assert [entry.chunk_id for entry in entries] == in_file_order
    assert all(a.offset + a.length == b.offset for a, b in itertools.pairwise(entries))


@pytest.mark.parametrize("url", ["s3://", "ftp://host/x"])
def test_bad_store_urls_are_refused(url: str) -> None:
    from cairn.errors import InvalidInput

    with pytest.raises(InvalidInput, match=url.split(":")[0]):
        open_store(url)


def test_a_single_file_is_stored_by_its_name(store: Store, tmp_path: Path) -> None:
    path = write_random(tmp_path / "model.safetensors", 70_000)
    snapshot = store.put_tree(path)
    assert [f.path for f in snapshot.files] == ["model.safetensors"]
    assert snapshot.digest == store.put_tree([path]).digest
