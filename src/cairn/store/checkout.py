"""Getting files back out: atomic checkout of a snapshot, and streaming one file."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import blake3

from cairn.digest import PREFIX
from cairn.errors import AlreadyExists, CorruptData
from cairn.store.backends.base import Backend
from cairn.store.backends.local import fsync_dir, write_fully
from cairn.store.index import ChunkLocation
from cairn.store.manifest import FileEntry, Snapshot
from cairn.store.pipeline import Background
from cairn.store.reader import read_chunks, read_spans

__all__ = ["FileReader", "open_reader", "write_checkout"]

Locate = Callable[[list[str]], dict[str, ChunkLocation]]


def _file_mismatch(entry: FileEntry, digest: str) -> CorruptData:
    return CorruptData(
        f"file {entry.path} assembles to {digest}, not {entry.digest}",
        "run cairn fsck; the manifest or a chunk is damaged",
    )


def _check_destination(dest: Path) -> None:
    if dest.is_symlink() or (dest.exists() and (not dest.is_dir() or any(dest.iterdir()))):
        raise AlreadyExists(
            f"{dest} already exists and is not an empty folder",
            "check out into a new or empty folder",
        )


def write_checkout(
    backend: Backend,
    snapshot: Snapshot,
    locate: Locate,
    dest: Path,
    progress: Callable[[int], None] | None,
) -> None:
    """Write every file into a temporary folder beside ``dest``, verify, then rename it.

    Each file's BLAKE3 is computed over exactly the bytes written, which verifies every chunk
    in it; on a mismatch the file's chunks are re-read one by one to name the bad one.
    """
    _check_destination(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    ids = [chunk_id for entry in snapshot.files for chunk_id, _ in entry.chunks]
    where = locate(list(dict.fromkeys(ids)))
    breaks, position = set(), 0
    for entry in snapshot.files:
        breaks.add(position)
        position += len(entry.chunks)
    temp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".cairn-tmp", dir=dest.parent))
    io_thread = Background("cairn-checkout")
    try:
        spans = read_spans(backend, [(chunk_id, where[chunk_id]) for chunk_id in ids], breaks)

        def name_bad_chunk(entry: FileEntry) -> None:
            wanted = [(chunk_id, where[chunk_id]) for chunk_id, _ in entry.chunks]
            for _ in read_chunks(backend, wanted):
                pass

        for entry in snapshot.files:
            _write_file(temp / entry.path, entry, spans, io_thread, progress, name_bad_chunk)
        io_thread.drain()
        for folder in sorted({(temp / e.path).parent for e in snapshot.files}, reverse=True):
            fsync_dir(folder)
        if dest.exists():
            dest.rmdir()
        temp.rename(dest)
        fsync_dir(dest.parent)
    except BaseException:
        io_thread.close()
        shutil.rmtree(temp, ignore_errors=True)
        raise
    finally:
        io_thread.close()


def _close_durably(fd: int, target: Path, mode: int) -> None:
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    target.chmod(mode)


def _write_file(
    target: Path,
    entry: FileEntry,
    spans: Iterator[tuple[memoryview, int]],
    io_thread: Background,
    progress: Callable[[int], None] | None,
    on_mismatch: Callable[[FileEntry], None],
) -> None:
    """Hash on this thread, write on the I/O thread (at most two spans queued)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    whole = blake3.blake3(max_threads=blake3.blake3.AUTO)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    remaining = len(entry.chunks)
    try:
        while remaining:
            data, count = next(spans)
            remaining -= count
            whole.update(data)
            queued = io_thread.submit(write_fully, fd, [data])
            io_thread.wait_for(queued - 2)
            if progress is not None:
                progress(len(data))
    except BaseException:
        io_thread.close()
        os.close(fd)
        raise
    digest = PREFIX + whole.hexdigest()
    if digest != entry.digest:
        io_thread.close()
        os.close(fd)
        on_mismatch(entry)  # names the corrupt chunk if there is one
        raise _file_mismatch(entry, digest)
    io_thread.submit(_close_durably, fd, target, entry.mode)


class FileReader(io.RawIOBase):
    """One file of a snapshot as a readable stream; every chunk and the whole file verified."""

    def __init__(self, backend: Backend, entry: FileEntry, locate: Locate) -> None:
        super().__init__()
        self.entry = entry
        ids = [chunk_id for chunk_id, _ in entry.chunks]
        where = locate(list(dict.fromkeys(ids)))
        self._chunks = read_chunks(backend, [(chunk_id, where[chunk_id]) for chunk_id in ids])
        self._whole = blake3.blake3()
        self._current = memoryview(b"")
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._current and not self._done:
            try:
                _, data = next(self._chunks)
            except StopIteration:
                self._done = True
                digest = PREFIX + self._whole.hexdigest()
                if digest != self.entry.digest:
                    raise _file_mismatch(self.entry, digest) from None
                break
            self._whole.update(data)
            self._current = data
        count = min(len(buffer), len(self._current))
        memoryview(buffer).cast("B")[:count] = self._current[:count]
        self._current = self._current[count:]
        return count

    def close(self) -> None:
        self._chunks.close()  # type: ignore[attr-defined]
        super().close()


def open_reader(backend: Backend, entry: FileEntry, locate: Locate) -> BinaryIO:
    """A buffered, verified reader over one file."""
    raw = FileReader(backend, entry, locate)
    return io.BufferedReader(raw, buffer_size=1024 * 1024)
