"""Crashes (kill -9), concurrent writer processes and a full disk leave a consistent store."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cairn.errors import StoreError
from cairn.store import Store, open_store

from .conftest import files_of, write_random

SRC = str(Path(__file__).resolve().parents[2] / "src")

_WRITER = """
import sys
import cairn.store.pack as pack
from pathlib import Path
from cairn.store import open_store

pack.TARGET_PACK_SIZE = 1024 * 1024
started = False

def progress(count):
    global started
    if not started:
        started = True
        print("writing", flush=True)

with open_store(sys.argv[1]) as store:
    snapshot = store.put_tree(Path(sys.argv[2]), progress=progress)
print(snapshot.digest, flush=True)
"""


def start_writer(store: Path, source: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(store), str(source)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": SRC},
    )


def test_kill_9_mid_write_leaves_only_unreferenced_packs(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    base = tmp_path / "base"
    write_random(base / "w.bin", 1_000_000, seed=99)
    with open_store(store_dir) as store:
        kept = store.put_tree(base)
    source = tmp_path / "big"
    for index in range(3):
        write_random(source / f"part{index}.bin", 8_000_000, seed=index)
    with open_store("memory://") as scratch:
        complete = scratch.put_tree(source).digest
    rng = random.Random(5)
    interrupted = 0
    for attempt in range(4):
        writer = start_writer(store_dir, source)
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "writing"
        time.sleep(rng.uniform(0.0, 0.08) * attempt)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        with open_store(store_dir) as store:
            assert store.fsck().ok
            assert set(store.snapshot_digests()) <= {kept.digest, complete}
            interrupted += complete not in store.snapshot_digests()
    assert interrupted  # at least one kill landed mid-write
    with open_store(store_dir) as store:
        assert any(store.backend.list("packs/"))
        store.gc([kept.digest], grace=0)  # the leftovers go, the kept snapshot stays
        assert list(store.backend.temp_files()) == []  # type: ignore[attr-defined]
        assert store.snapshot_digests() == [kept.digest]
        again = store.put_tree(source)
        store.checkout(again.digest, tmp_path / "out")
        store.checkout(kept.digest, tmp_path / "kept")
        assert store.fsck().ok
    assert files_of(tmp_path / "out") == files_of(source)
    assert files_of(tmp_path / "kept") == files_of(base)


def test_concurrent_writer_processes(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    open_store(store_dir).close()
    sources = []
    for index in range(4):
        source = tmp_path / f"src{index}"
        write_random(source / "shared.bin", 3_000_000, seed=1234)  # the same in every writer
        write_random(source / "own.bin", 2_000_000, seed=index)
        sources.append(source)
    writers = [start_writer(store_dir, source) for source in sources]
    digests = []
    for writer in writers:
        out, _ = writer.communicate(timeout=120)
        assert writer.returncode == 0
        digests.append(out.split()[-1])
    with open_store(store_dir) as store:
        for index, (digest, source) in enumerate(zip(digests, sources, strict=True)):
            store.checkout(digest, tmp_path / f"out{index}")
            assert files_of(tmp_path / f"out{index}") == files_of(source)
        report = store.fsck()
        assert report.ok and report.checked_snapshots == 4


class FullDisk:
    """os.writev that fills the disk after ``room`` bytes (ENOSPC cannot be caused safely)."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.real = os.writev

    def __call__(self, fd: int, buffers: list[memoryview]) -> int:
        if self.room <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        fits, left = [], self.room
        for buffer in buffers:
            if left <= 0:
                break
            fits.append(buffer[:left])
            left -= len(fits[-1])
        count = self.real(fd, fits)
        self.room -= count
        return count


@pytest.mark.parametrize("room", [10, 700_000, 2_600_000])
def test_full_disk_leaves_the_store_consistent(
    local_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, room: int
) -> None:
    import cairn.store.backends.local as local_module
    import cairn.store.pack as pack_module

    monkeypatch.setattr(pack_module, "TARGET_PACK_SIZE", 1024 * 1024)
    write_random(tmp_path / "before" / "w.bin", 500_000, seed=1)
    before = local_store.put_tree(tmp_path / "before")
    write_random(tmp_path / "m" / "w.bin", 4_000_000, seed=2)
    monkeypatch.setattr(local_module.os, "writev", FullDisk(room))
    with pytest.raises(StoreError, match="no space left") as caught:
        local_store.put_tree(tmp_path / "m")
    assert "free disk space" in str(caught.value)
    monkeypatch.undo()
    assert list(local_store.backend.temp_files()) == []  # type: ignore[attr-defined]
    assert local_store.snapshot_digests() == [before.digest]
    assert local_store.fsck().ok
    after = local_store.put_tree(tmp_path / "m")  # space is back: the write goes through
    local_store.checkout(after.digest, tmp_path / "out")
    assert files_of(tmp_path / "out") == files_of(tmp_path / "m")
