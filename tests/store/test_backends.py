"""One contract for every backend: local folder, memory, and S3 through a real endpoint."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cairn.errors import InvalidPath, LockTimeout
from cairn.store.backends import Backend, LocalBackend, open_backend


@pytest.fixture(params=["local", "memory", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "local":
        opened = open_backend(tmp_path / "objects")
    elif request.param == "memory":
        opened = open_backend(f"memory://{uuid.uuid4().hex}")
    else:
        opened = open_backend(request.getfixturevalue("s3_url"))
    yield opened
    opened.close()


def test_put_then_get_whole_and_ranges(backend: Backend) -> None:
    backend.put("packs/a.pack", b"0123456789")
    assert backend.get("packs/a.pack") == b"0123456789"
    assert backend.get("packs/a.pack", 2, 5) == b"234"
    assert backend.get("packs/a.pack", 7) == b"789"
    assert backend.size("packs/a.pack") == 10


def test_put_replaces_the_whole_object(backend: Backend) -> None:
    backend.put("x/y", b"long first version")
    backend.put("x/y", b"short")
    assert backend.get("x/y") == b"short"


def test_missing_key_raises_key_error(backend: Backend) -> None:
    with pytest.raises(KeyError):
        backend.get("packs/nope.pack")
    with pytest.raises(KeyError):
        backend.size("packs/nope.pack")
    assert not backend.exists("packs/nope.pack")


def test_exists_list_delete(backend: Backend) -> None:
    for key in ("packs/b.pack", "packs/a.pack", "manifests/m.json"):
        backend.put(key, key.encode())
    assert backend.exists("packs/a.pack")
    listed = list(backend.list("packs/"))
    assert [info.key for info in listed] == ["packs/a.pack", "packs/b.pack"]
    assert [info.size for info in listed] == [12, 12]
    assert all(info.modified > 1_600_000_000 for info in listed)
    backend.delete("packs/a.pack")
    backend.delete("packs/a.pack")  # deleting twice is fine
    assert not backend.exists("packs/a.pack")
    assert [info.key for info in backend.list("packs/")] == ["packs/b.pack"]
    assert list(backend.list("nothing/")) == []


def test_blob_is_invisible_until_commit(backend: Backend) -> None:
    blob = backend.new_blob()
    blob.write(b"part one, ")
    blob.write(memoryview(b"part two"))
    assert list(backend.list("packs/")) == []
    blob.commit("packs/big.pack")
    assert backend.get("packs/big.pack") == b"part one, part two"


def test_aborted_blob_leaves_nothing(backend: Backend) -> None:
    blob = backend.new_blob()
    blob.write(b"never mind")
    blob.abort()
    assert list(backend.list("")) == []
    if isinstance(backend, LocalBackend):
        assert list(backend.temp_files()) == []


def test_large_blob_uses_several_parts(backend: Backend) -> None:
    data = bytes(range(256)) * (40 * 1024 * 4)  # 40 MiB: several multipart parts on S3
    blob = backend.new_blob()
    for start in range(0, len(data), 4 * 1024 * 1024):
        blob.write(data[start : start + 4 * 1024 * 1024])
    blob.commit("packs/large.pack")
    assert backend.size("packs/large.pack") == len(data)
    assert backend.get("packs/large.pack", 20_000_000, 20_000_100) == data[20_000_000:20_000_100]


def test_create_if_absent_only_once(backend: Backend) -> None:
    assert backend.create_if_absent("cairn-store.json", b"first")
    assert not backend.create_if_absent("cairn-store.json", b"second")
    assert backend.get("cairn-store.json") == b"first"


def test_keys_cannot_escape(backend: Backend) -> None:
    for key in ("../outside", "/abs", "a//b", "a/./b", ""):
        with pytest.raises(InvalidPath):
            backend.put(key, b"x")


def test_lock_is_exclusive(backend: Backend) -> None:
    with backend.lock("gc", timeout=5):
        failed: list[BaseException] = []

        def contender() -> None:
            try:
                with backend.lock("gc", timeout=0.2):
                    pass
            except LockTimeout as error:
                failed.append(error)

        thread = threading.Thread(target=contender)
        thread.start()
        thread.join()
        assert len(failed) == 1 and "gc" in str(failed[0])
    with backend.lock("gc", timeout=1):
        pass  # released


def test_local_reads_share_open_files_safely(tmp_path: Path) -> None:
    """read_into keeps a few descriptors open; eviction while another thread reads is safe."""
    from concurrent.futures import ThreadPoolExecutor

    backend = LocalBackend(tmp_path / "objects")
    blobs = {f"packs/{i}.pack": bytes([i]) * 100_000 for i in range(20)}
    for key, data in blobs.items():
        backend.put(key, data)

    def read(index: int) -> bool:
        key = f"packs/{index % 20}.pack"
        buffer = bytearray(1000)
        count = backend.read_into(key, 5000, memoryview(buffer))
        return count == 1000 and bytes(buffer) == blobs[key][5000:6000]

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(read, range(2000)))
    with pytest.raises(KeyError):
        backend.read_into("packs/absent.pack", 0, memoryview(bytearray(1)))
    backend.close()
