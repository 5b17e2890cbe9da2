"""In-memory backend (tests, scratch work); ``memory://name`` stores are shared by name."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from cairn.errors import LockTimeout
from cairn.store.backends.base import ObjectInfo, check_key

__all__ = ["MemoryBackend"]

_NAMED: dict[str, tuple[dict[str, tuple[bytes, float]], threading.RLock]] = {}
_NAMED_GUARD = threading.Lock()
_LOCKS: dict[tuple[str, str], threading.Lock] = {}


class _MemoryBlob:
    def __init__(self, backend: MemoryBackend) -> None:
        self._backend = backend
        self._buffer = bytearray()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._buffer += data

    def write_many(self, parts: Sequence[bytes | bytearray | memoryview]) -> None:
        for part in parts:
            self._buffer += part

    def commit(self, key: str) -> None:
        self._backend.put(key, bytes(self._buffer))
        self._buffer = bytearray()

    def abort(self) -> None:
        self._buffer = bytearray()


class MemoryBackend:
    """Objects in a dict; an unnamed store lives as long as the object."""

    def __init__(self, name: str = "") -> None:
        self.url = f"memory://{name}"
        self._name = name or f"anonymous-{id(self)}"
        with _NAMED_GUARD:
            if name and name in _NAMED:
                self._objects, self._guard = _NAMED[name]
            else:
                self._objects, self._guard = {}, threading.RLock()
                if name:
                    _NAMED[name] = (self._objects, self._guard)

    def put(self, key: str, data: bytes) -> None:
        with self._guard:
            self._objects[check_key(key)] = (bytes(data), time.time())

    def get(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        with self._guard:
            data = self._objects[check_key(key)][0]
        return data[start:end]

    def size(self, key: str) -> int:
        with self._guard:
            return len(self._objects[check_key(key)][0])

    def exists(self, key: str) -> bool:
        with self._guard:
            return check_key(key) in self._objects

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        with self._guard:
            found = [
                ObjectInfo(key, len(data), modified)
                for key, (data, modified) in self._objects.items()
                if key.startswith(prefix)
            ]
        return iter(sorted(found, key=lambda info: info.key))

    def delete(self, key: str) -> None:
        with self._guard:
            self._objects.pop(check_key(key), None)

    def new_blob(self) -> _MemoryBlob:
        return _MemoryBlob(self)

    def create_if_absent(self, key: str, data: bytes) -> bool:
        with self._guard:
            if check_key(key) in self._objects:
                return False
            self._objects[key] = (bytes(data), time.time())
            return True

    def set_modified(self, key: str, modified: float) -> None:
        """Backdate an object (tests of grace periods)."""
        with self._guard:
            self._objects[key] = (self._objects[key][0], modified)

    @contextmanager
    def lock(self, name: str, timeout: float) -> Iterator[None]:
        with _NAMED_GUARD:
            lock = _LOCKS.setdefault((self._name, name), threading.Lock())
        if not lock.acquire(timeout=max(timeout, 0.0)):
            raise LockTimeout(f"the {name} lock of {self.url} is held by another thread")
        try:
            yield
        finally:
            lock.release()

    def close(self) -> None:
        return None
