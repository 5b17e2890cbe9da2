"""cairn.store: content-addressed, chunked, deduplicated, verified snapshots of files.

``open_store(url)`` opens a store on a folder, ``memory://`` or ``s3://bucket/prefix``;
see ``docs/format.md`` for the format on disk.
"""

from __future__ import annotations

import os
from pathlib import Path

from cairn.store.backends import LocalBackend, MemoryBackend, open_backend
from cairn.store.fsck import FsckReport
from cairn.store.gc import GcReport
from cairn.store.manifest import FileEntry, Snapshot
from cairn.store.store import Store
from cairn.store.transfer import TransferStats

__all__ = [
    "FileEntry",
    "FsckReport",
    "GcReport",
    "Snapshot",
    "Store",
    "TransferStats",
    "open_store",
]


def _index_path(url: str, backend: object) -> Path | None:
    if isinstance(backend, LocalBackend):
        return backend.root / "cache" / "index.sqlite"
    if isinstance(backend, MemoryBackend):
        return None
    from cairn import settings
    from cairn.digest import hash_bytes

    name = hash_bytes(url.encode())[len("blake3:") :][:24]
    return settings.load().home / "cache" / "store-index" / f"{name}.sqlite"


def open_store(url: str | os.PathLike[str], *, create: bool = True) -> Store:
    """Open (and by default create) the store at ``url``: a path, file://, memory://, s3://."""
    text = os.fspath(url)
    backend = open_backend(text)
    return Store(backend, _index_path(text, backend), create=create)
