"""The small protocol every storage backend implements, and what they share."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from cairn.errors import InvalidPath

__all__ = ["Backend", "BlobWriter", "ObjectInfo", "check_key"]


@dataclass(frozen=True)
class ObjectInfo:
    """One stored object: its key, size in bytes and last-modified time (epoch seconds)."""

    key: str
    size: int
    modified: float


class BlobWriter(Protocol):
    """An object being written; invisible under any key until :meth:`commit`."""

    def write(self, data: bytes | bytearray | memoryview) -> None: ...

    def write_many(self, parts: Sequence[bytes | bytearray | memoryview]) -> None:
        """Append several buffers (one gathered write where the backend can)."""

    def commit(self, key: str) -> None:
        """Make the bytes durable and visible under ``key`` (atomically)."""

    def abort(self) -> None:
        """Throw the bytes away (safe to call after a failed write or commit)."""


class Backend(Protocol):
    """Objects under string keys (``packs/<hex>.pack``); nothing here assumes POSIX."""

    url: str

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` atomically (readers see all or nothing)."""

    def get(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        """The bytes ``[start, end)`` of ``key``; :class:`KeyError` if it does not exist."""

    def size(self, key: str) -> int:
        """The size of ``key`` in bytes; :class:`KeyError` if it does not exist."""

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        """Every object whose key starts with ``prefix`` (a folder such as ``packs/``)."""

    def delete(self, key: str) -> None:
        """Remove ``key``; no error if it is already gone."""

    def new_blob(self) -> BlobWriter:
        """Start writing a large object whose key is known only at the end."""

    def lock(self, name: str, timeout: float) -> AbstractContextManager[None]:
        """Hold the exclusive lock ``name``; LockTimeout after ``timeout`` seconds."""

    def create_if_absent(self, key: str, data: bytes) -> bool:
        """Store ``data`` only if ``key`` does not exist; return whether it was stored."""

    def close(self) -> None: ...


def check_key(key: str) -> str:
    """Refuse keys that could leave the store (``..``, absolute, backslashes)."""
    parts = key.split("/")
    if not key or key.startswith("/") or "\\" in key or any(p in ("", ".", "..") for p in parts):
        raise InvalidPath(f"invalid store key {key!r}", "this is a bug in cairn; please report it")
    return key
