"""Small units: manifests, the index cache, the background pipeline, and a round-trip property."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cairn.digest import hash_bytes
from cairn.errors import CorruptData, StoreFormatError
from cairn.store import FileEntry, open_store
from cairn.store.index import IndexCache
from cairn.store.manifest import decode_manifest, encode_manifest, normalize_mode
from cairn.store.pack import PackEntry
from cairn.store.pipeline import Background

from .conftest import files_of

ZERO = "blake3:" + "0" * 64


def entry(path: str, data: bytes) -> FileEntry:
    chunk = hash_bytes(data)
    return FileEntry(path, len(data), 0o644, chunk, ((chunk, len(data)),) if data else ())


def test_manifest_is_canonical_and_sorted() -> None:
    files = [entry("b.txt", b"b"), entry("a/x.bin", b"xx")]
    encoded = encode_manifest(files)
    assert encoded == encode_manifest(list(reversed(files)))
    assert b" " not in encoded
    snapshot = decode_manifest(encoded, hash_bytes(encoded))
    assert [f.path for f in snapshot.files] == ["a/x.bin", "b.txt"]
    assert snapshot.size == 3 and snapshot.file_count == 2


def test_manifest_checks() -> None:
    good = json.loads(encode_manifest([entry("a", b"abc")]))
    with pytest.raises(CorruptData, match="hashes to"):
        decode_manifest(json.dumps(good).encode(), ZERO)
    wrong_size = {**good, "files": [{**good["files"][0], "size": 4}]}
    with pytest.raises(CorruptData, match="add up"):
        decode_manifest(json.dumps(wrong_size).encode())
    twice = {**good, "files": good["files"] * 2}
    with pytest.raises(CorruptData, match="twice"):
        decode_manifest(json.dumps(twice).encode())
    with pytest.raises(StoreFormatError, match=r"cairn\.manifest/9"):
        decode_manifest(json.dumps({**good, "format": "cairn.manifest/9"}).encode())
    with pytest.raises(CorruptData, match="not JSON"):
        decode_manifest(b"\xff")
    clash = encode_manifest([entry("a/b", b"x"), entry("a/b/c/d", b"y")])
    with pytest.raises(CorruptData, match="'a/b' as a file and a folder"):
        decode_manifest(clash)


def test_modes_are_normalised() -> None:
    assert normalize_mode(0o100600) == 0o644
    assert normalize_mode(0o100744) == 0o755


def test_index_cache_first_location_wins_and_forgets(tmp_path: Path) -> None:
    index = IndexCache(tmp_path / "index.sqlite")
    a, b = hash_bytes(b"a"), hash_bytes(b"b")
    index.add_pack("p1", 100, [PackEntry(a, 16, 1)])
    index.add_pack("p2", 100, [PackEntry(a, 16, 1), PackEntry(b, 17, 1)])
    found = index.locate([a, b, ZERO])
    assert found[a].pack == "p1" and found[b].pack == "p2" and ZERO not in found
    index.remove_packs(["p1"])
    assert index.locate([a]) == {}  # the next refresh re-reads p2
    assert index.packs() == {"p2": 100}
    many = [hash_bytes(str(i).encode()) for i in range(1200)]  # more than one SQL batch
    index.add_pack("p3", 1, [PackEntry(c, 16 + i, 1) for i, c in enumerate(many)])
    assert len(index.locate(many)) == 1200
    index.close()


def test_background_runs_in_order_and_keeps_the_first_failure() -> None:
    done: list[int] = []
    background = Background("test")
    for number in range(5):
        background.submit(done.append, number)
    background.drain()
    assert done == [0, 1, 2, 3, 4]

    def fail() -> None:
        raise OSError("disk on fire")

    background.submit(fail)
    background.submit(done.append, 99)
    with pytest.raises(OSError, match="on fire"):
        background.drain()
    assert 99 not in done  # later jobs are skipped
    with pytest.raises(OSError, match="on fire"):
        background.submit(done.append, 100)
    background.close()
    assert threading.active_count() >= 1


names = st.text("abcdefgh_.-", min_size=1, max_size=8).filter(lambda n: n not in (".", ".."))


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tree=st.dictionaries(
        st.lists(names, min_size=1, max_size=3).map("/".join),
        st.binary(max_size=70_000),
        min_size=1,
        max_size=6,
    )
)
def test_any_tree_round_trips(
    tree: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("tree")
    for path, data in tree.items():
        target = root / path
        if target.exists() or any(parent.is_file() for parent in target.parents):
            continue  # a name used both as a file and as a folder
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    with open_store("memory://") as store:
        snapshot = store.put_tree(root)
        out = tmp_path_factory.mktemp("out") / "x"
        store.checkout(snapshot.digest, out)
    assert files_of(out) == files_of(root)
    assert snapshot.size == sum(len(d) for d in files_of(root).values())
