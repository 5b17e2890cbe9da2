"""Local filesystem backend: one file per key, written temp -> fsync -> rename -> fsync dir."""

from __future__ import annotations

import errno
import fcntl
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from cairn.errors import LockTimeout, StoreError
from cairn.store.backends.base import ObjectInfo, check_key

__all__ = ["LocalBackend", "fsync_dir", "write_fully"]

_IOV_MAX = 1024
TMP_DIR = "tmp"
LOCK_DIR = "locks"


def fsync_dir(path: Path) -> None:
    """Make a rename or create inside ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_fully(fd: int, parts: Sequence[bytes | bytearray | memoryview]) -> None:
    """Write every byte of ``parts`` to ``fd`` with as few gathered writes as it takes."""
    pending = [memoryview(part).cast("B") for part in parts if len(part)]
    start = 0
    while start < len(pending):
        written = os.writev(fd, pending[start : start + _IOV_MAX])
        while start < len(pending) and written >= len(pending[start]):
            written -= len(pending[start])
            start += 1
        if written:
            pending[start] = pending[start][written:]


def write_failed(error: OSError, what: str) -> StoreError:
    """A store error for a failed write; disk-full gets its own hint."""
    if error.errno == errno.ENOSPC:
        return StoreError(
            f"no space left on the device while writing {what}",
            "free disk space and retry; nothing half-written was kept",
        )
    return StoreError(f"could not write {what}: {error.strerror or error}", "check the folder")


class _OpenFiles:
    """A few read-only descriptors kept open, so consecutive reads of a pack look sequential
    to the kernel (its read-ahead grows) and cost no open() each."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._guard = threading.Lock()
        self._open: OrderedDict[Path, list[int]] = OrderedDict()  # path -> [fd, readers]

    @contextmanager
    def use(self, path: Path, key: str) -> Iterator[int]:
        with self._guard:
            entry = self._open.get(path)
            if entry is None:
                try:
                    fd = os.open(path, os.O_RDONLY)
                except FileNotFoundError:
                    raise KeyError(key) from None
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
                entry = self._open[path] = [fd, 0]
            self._open.move_to_end(path)
            entry[1] += 1
            while len(self._open) > self._size:
                _, oldest = self._open.popitem(last=False)
                if oldest[1] == 0:
                    os.close(oldest[0])
        try:
            yield entry[0]
        finally:
            with self._guard:
                entry[1] -= 1
                if entry[1] == 0 and self._open.get(path) is not entry:
                    os.close(entry[0])  # evicted while in use: the last reader closes it

    def close(self) -> None:
        with self._guard:
            for fd, readers in self._open.values():
                if readers == 0:
                    os.close(fd)
            self._open.clear()


class _LocalBlob:
    """A temporary file in ``tmp/`` that becomes ``key`` on commit."""

    def __init__(self, backend: LocalBackend) -> None:
        self._backend = backend
        self._temp = backend.temp_path()
        self._file: BinaryIO | None = self._temp.open("xb", buffering=0)
        fcntl.flock(self._file.fileno(), fcntl.LOCK_EX)  # "still being written" for gc

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.write_many([data])

    def write_many(self, parts: Sequence[bytes | bytearray | memoryview]) -> None:
        assert self._file is not None, "write after commit or abort"
        try:
            write_fully(self._file.fileno(), parts)
        except OSError as error:
            self.abort()
            raise write_failed(error, f"a pack in {self._backend.root}") from error

    def commit(self, key: str) -> None:
        assert self._file is not None, "commit after commit or abort"
        target = self._backend.path(key)
        try:
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
            target.parent.mkdir(parents=True, exist_ok=True)
            self._temp.replace(target)
            fsync_dir(target.parent)
        except OSError as error:
            self.abort()
            raise write_failed(error, str(target)) from error

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._temp.unlink(missing_ok=True)


class LocalBackend:
    """Objects as files under ``root``; the only backend that touches a POSIX filesystem."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.url = self.root.as_uri()
        self._open_files = _OpenFiles()

    def temp_path(self) -> Path:
        folder = self.root / TMP_DIR
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{uuid.uuid4().hex}.part"

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        blob = self.new_blob()
        blob.write(data)
        blob.commit(key)

    def get(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        try:
            with self.path(key).open("rb") as file:
                file.seek(start)
                return file.read() if end is None else file.read(max(end - start, 0))
        except FileNotFoundError:
            raise KeyError(key) from None

    def read_into(self, key: str, start: int, buffer: memoryview) -> int:
        """Read ``len(buffer)`` bytes of ``key`` from ``start`` into ``buffer``; bytes read."""
        with self._open_files.use(self.path(key), key) as fd:
            done = 0
            while done < len(buffer):
                count = os.preadv(fd, [buffer[done:]], start + done)
                if count == 0:
                    break
                done += count
            return done

    def size(self, key: str) -> int:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        base = self.root / folder if folder else self.root
        if not base.is_dir():
            return iter(())
        found: list[ObjectInfo] = []
        for dirpath, dirnames, filenames in os.walk(base):
            if Path(dirpath) == self.root:
                dirnames[:] = [d for d in dirnames if d not in (TMP_DIR, LOCK_DIR, "cache")]
            for name in filenames:
                full = Path(dirpath) / name
                key = full.relative_to(self.root).as_posix()
                if not key.startswith(prefix):
                    continue
                try:
                    stat = full.stat()
                except FileNotFoundError:
                    continue
                found.append(ObjectInfo(key, stat.st_size, stat.st_mtime))
        return iter(sorted(found, key=lambda info: info.key))

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def new_blob(self) -> _LocalBlob:
        return _LocalBlob(self)

    def create_if_absent(self, key: str, data: bytes) -> bool:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = self.temp_path()
        with temp.open("xb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temp, target)
        except FileExistsError:
            return False
        finally:
            temp.unlink(missing_ok=True)
        fsync_dir(target.parent)
        return True

    def temp_files(self) -> Iterator[ObjectInfo]:
        """Leftovers of writes that never committed (a crash, a kill -9)."""
        folder = self.root / TMP_DIR
        for entry in folder.iterdir() if folder.is_dir() else ():
            try:
                stat = entry.stat()
            except FileNotFoundError:
                continue
            yield ObjectInfo(f"{TMP_DIR}/{entry.name}", stat.st_size, stat.st_mtime)

    def remove_temp(self, info: ObjectInfo) -> bool:
        """Delete a leftover temporary file unless a live writer still holds it."""
        path = self.root / info.key
        try:
            with path.open("rb") as file:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                path.unlink(missing_ok=True)
        except BlockingIOError:
            return False
        except FileNotFoundError:
            pass
        return True

    @contextmanager
    def lock(self, name: str, timeout: float) -> Iterator[None]:
        path = self.root / LOCK_DIR / f"{name}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a+b") as file:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LockTimeout(
                            f"the {name} lock of {self.root} is held by another process ({path})"
                        ) from None
                    time.sleep(0.02)
            try:
                yield
            finally:
                fcntl.flock(file.fileno(), fcntl.LOCK_UN)

    def close(self) -> None:
        self._open_files.close()
