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
from cairn.store.index import ChunkLocation
from cairn.store.manifest import FileEntry, Snapshot
from cairn.store.reader import read_chunks

__all__ = ["FileReader", "open_reader", "write_checkout"]

Locate = Callable[[list[str]], dict[str, ChunkLocation]]


def _file_mismatch(entry: FileEntry, digest: str) -> CorruptData:
    return CorruptData(
        f"file {entry.path} assembles to {digest}, not {entry.digest}",
        "run cairn fsck; the manifest or a chunk is damaged",
    )


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
    """Write every file into a temporary folder beside ``dest``, verify, then rename it."""
    _check_destination(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    ids = [chunk_id for entry in snapshot.files for chunk_id, _ in entry.chunks]
    where = locate(list(dict.fromkeys(ids)))
    temp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".cairn-tmp", dir=dest.parent))
    try:
        stream = read_chunks(backend, [(chunk_id, where[chunk_id]) for chunk_id in ids])
        for entry in snapshot.files:
            _write_file(temp / entry.path, entry, stream, progress)
        for folder in sorted({(temp / e.path).parent for e in snapshot.files}, reverse=True):
            _fsync_dir(folder)
        if dest.exists():
            dest.rmdir()
        temp.rename(dest)
        _fsync_dir(dest.parent)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def _write_file(
    target: Path,
    entry: FileEntry,
    stream: Iterator[tuple[str, memoryview]],
    progress: Callable[[int], None] | None,
) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    whole = blake3.blake3()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        for _ in entry.chunks:
            _, data = next(stream)
            whole.update(data)
            length = len(data)
            while data:
                data = data[os.write(fd, data) :]
            if progress is not None:
                progress(length)
        os.fsync(fd)
    finally:
        os.close(fd)
    if PREFIX + whole.hexdigest() != entry.digest:
        raise _file_mismatch(entry, PREFIX + whole.hexdigest())
    target.chmod(entry.mode)


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
