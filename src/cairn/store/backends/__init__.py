"""Storage backends: local folder (default), memory, S3-compatible object storage."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from cairn.errors import InvalidInput
from cairn.store.backends.base import Backend, BlobWriter, ObjectInfo
from cairn.store.backends.local import LocalBackend
from cairn.store.backends.memory import MemoryBackend

__all__ = ["Backend", "BlobWriter", "LocalBackend", "MemoryBackend", "ObjectInfo", "open_backend"]


def open_backend(url: str | os.PathLike[str]) -> Backend:
    """A path or ``file://`` -> local; ``memory://[name]``; ``s3://bucket/prefix``."""
    text = os.fspath(url)
    if text.startswith("memory://"):
        return MemoryBackend(text.removeprefix("memory://"))
    if text.startswith("s3://"):
        from cairn import settings
        from cairn.store.backends.s3 import S3Backend

        if not urlparse(text).netloc:
            raise InvalidInput(f"{text!r} names no bucket", "use s3://bucket/prefix")
        return S3Backend(text, endpoint=settings.load().s3_endpoint)
    if text.startswith("file://"):
        return LocalBackend(Path(unquote(urlparse(text).path)))
    if "://" in text:
        raise InvalidInput(
            f"unsupported store URL {text!r}",
            "use a path, file://, memory:// or s3://bucket/prefix",
        )
    return LocalBackend(Path(text).expanduser())
