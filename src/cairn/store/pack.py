"""Pack files: chunks back to back, then their own index, then a fixed-size footer.

```
header  16 B   b"CAIRNPAK" | u32 format (1) | u32 flags (0)
body           chunk bytes, in the order they were added
index   44 B/entry   32 B raw BLAKE3 id | u64 offset | u32 length
footer  56 B   u64 index offset | u32 entry count | u32 reserved | 32 B BLAKE3(index) | b"CAIRNIDX"
```
A pack is named after the BLAKE3 of its index: ``packs/<hex>.pack``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import blake3

from cairn.digest import PREFIX
from cairn.errors import CorruptData
from cairn.store.backends.base import Backend, BlobWriter

__all__ = [
    "FOOTER_SIZE",
    "HEADER_SIZE",
    "PACK_FORMAT",
    "PACK_PREFIX",
    "PackBuilder",
    "PackEntry",
    "pack_key",
    "pack_name",
    "read_pack_index",
]

PACK_FORMAT = 1
PACK_PREFIX = "packs/"
MAGIC = b"CAIRNPAK"
INDEX_MAGIC = b"CAIRNIDX"
HEADER = struct.Struct("<8sII")
ENTRY = struct.Struct("<32sQI")
FOOTER = struct.Struct("<QII32s8s")
HEADER_SIZE = HEADER.size
FOOTER_SIZE = FOOTER.size
TARGET_PACK_SIZE = 64 * 1024 * 1024


@dataclass(frozen=True)
class PackEntry:
    """Where one chunk sits inside a pack."""

    chunk_id: str
    offset: int
    length: int


def raw_id(chunk_id: str) -> bytes:
    return bytes.fromhex(chunk_id[len(PREFIX) :])


def text_id(raw: bytes) -> str:
    return PREFIX + raw.hex()


def pack_key(name: str) -> str:
    return f"{PACK_PREFIX}{name}.pack"


def pack_name(key: str) -> str | None:
    """The pack name of a backend key, or None if the key is not a pack."""
    if key.startswith(PACK_PREFIX) and key.endswith(".pack"):
        return key[len(PACK_PREFIX) : -len(".pack")]
    return None


class PackBuilder:
    """One new pack. :meth:`record` books a chunk's place (main thread); :meth:`write` and
    :meth:`finish` do the I/O (possibly on a writer thread, in order)."""

    def __init__(self, backend: Backend) -> None:
        self._blob: BlobWriter = backend.new_blob()
        self._started = False
        self.size = HEADER_SIZE
        self.entries: list[PackEntry] = []
        self._index = bytearray()

    def record(self, chunk_id: str, length: int) -> None:
        self.entries.append(PackEntry(chunk_id, self.size, length))
        self._index += ENTRY.pack(raw_id(chunk_id), self.size, length)
        self.size += length

    def write(self, parts: list[bytes | bytearray | memoryview]) -> None:
        """Append the bytes of recorded chunks, in the order they were recorded."""
        if not self._started:
            parts = [HEADER.pack(MAGIC, PACK_FORMAT, 0), *parts]
            self._started = True
        self._blob.write_many(parts)

    def add(self, chunk_id: str, data: bytes | bytearray | memoryview) -> None:
        """Record and write one chunk."""
        self.record(chunk_id, len(data))
        self.write([data])

    @property
    def full(self) -> bool:
        return self.size >= TARGET_PACK_SIZE

    def seal(self) -> str:
        """Write the index and footer; return the pack's name (not yet visible under it)."""
        index = bytes(self._index)
        digest = blake3.blake3(index).digest()
        footer = FOOTER.pack(self.size, len(self.entries), 0, digest, INDEX_MAGIC)
        self.write([index, footer])
        self.size += len(index) + FOOTER_SIZE
        return digest.hex()

    def commit(self, name: str) -> None:
        """Make the sealed pack durable and visible under its name."""
        self._blob.commit(pack_key(name))

    def finish(self) -> str:
        """Seal and commit; return the name."""
        name = self.seal()
        self.commit(name)
        return name

    def abort(self) -> None:
        self._blob.abort()


def read_pack_index(backend: Backend, name: str) -> tuple[list[PackEntry], int]:
    """A pack's entries and size, read from its footer; CorruptData if they do not add up."""
    key = pack_key(name)
    size = backend.size(key)
    if size < HEADER_SIZE + FOOTER_SIZE:
        raise CorruptData(f"pack {key} is truncated ({size} bytes)", "run cairn fsck")
    footer = backend.get(key, size - FOOTER_SIZE, size)
    index_offset, count, _, index_digest, magic = FOOTER.unpack(footer)
    index_end = index_offset + count * ENTRY.size
    if magic != INDEX_MAGIC or index_end != size - FOOTER_SIZE or index_offset < HEADER_SIZE:
        raise CorruptData(f"pack {key} has a damaged footer", "run cairn fsck")
    index = backend.get(key, index_offset, index_end)
    if blake3.blake3(index).digest() != index_digest or index_digest.hex() != name:
        raise CorruptData(f"the index of pack {key} does not match its hash", "run cairn fsck")
    entries = []
    for raw, offset, length in ENTRY.iter_unpack(index):
        if offset < HEADER_SIZE or offset + length > index_offset:
            raise CorruptData(f"pack {key} indexes bytes outside its body", "run cairn fsck")
        entries.append(PackEntry(text_id(raw), offset, length))
    return entries, size
