"""Content ids (``blake3:<hex>``) and canonical JSON: the value types every layer shares."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cairn.errors import InvalidInput

__all__ = [
    "ALGORITHM",
    "PREFIX",
    "canonical_json",
    "hash_bytes",
    "hash_file",
    "hasher",
    "is_digest",
    "parse",
]

ALGORITHM = "blake3"
PREFIX = f"{ALGORITHM}:"
_HEX_LEN = 64


def canonical_json(value: Any) -> bytes:
    """The one serialisation that is hashed: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def hasher() -> Any:
    """A fresh BLAKE3 hasher (``update``/``hexdigest``); threads release the GIL on big inputs."""
    import blake3

    return blake3.blake3(max_threads=1)


def hash_bytes(data: bytes | bytearray | memoryview) -> str:
    """``blake3:<hex>`` of ``data``."""
    import blake3

    return PREFIX + blake3.blake3(data).hexdigest()


def hash_file(path: Path, *, block: int = 1 << 20) -> str:
    """``blake3:<hex>`` of a file's bytes, streamed."""
    h = hasher()
    with path.open("rb") as f:
        while data := f.read(block):
            h.update(data)
    return PREFIX + str(h.hexdigest())


def is_digest(value: str) -> bool:
    if not value.startswith(PREFIX) or len(value) != len(PREFIX) + _HEX_LEN:
        return False
    try:
        int(value[len(PREFIX) :], 16)
    except ValueError:
        return False
    return True


def parse(value: str) -> str:
    """Validate a full digest and return it; raise :class:`InvalidInput` otherwise."""
    if not is_digest(value):
        raise InvalidInput(
            f"{value!r} is not a content id",
            f"use the form {PREFIX}<{_HEX_LEN} hex digits>",
        )
    return value
