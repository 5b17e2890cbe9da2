"""Pack files carry their own index; a damaged footer or index is refused."""

from __future__ import annotations

import pytest

from cairn.digest import hash_bytes
from cairn.errors import CorruptData
from cairn.store.backends import MemoryBackend
from cairn.store.pack import FOOTER_SIZE, HEADER_SIZE, PackBuilder, pack_key, read_pack_index


def build(backend: MemoryBackend, chunks: list[bytes]) -> str:
    builder = PackBuilder(backend)
    for data in chunks:
        builder.add(hash_bytes(data), data)
    return builder.finish()


def test_index_round_trips_and_names_the_pack() -> None:
    backend = MemoryBackend()
    chunks = [b"alpha", b"beta" * 1000, b"gamma"]
    name = build(backend, chunks)
    entries, size = read_pack_index(backend, name)
    assert size == backend.size(pack_key(name))
    assert [e.chunk_id for e in entries] == [hash_bytes(c) for c in chunks]
    assert entries[0].offset == HEADER_SIZE
    for entry, data in zip(entries, chunks, strict=True):
        assert backend.get(pack_key(name), entry.offset, entry.offset + entry.length) == data


def test_same_chunks_same_pack_name() -> None:
    assert build(MemoryBackend(), [b"x", b"y"]) == build(MemoryBackend(), [b"x", b"y"])


@pytest.mark.parametrize("position", ["footer", "index"])
def test_damaged_index_is_corrupt(position: str) -> None:
    backend = MemoryBackend()
    name = build(backend, [b"alpha", b"beta"])
    key = pack_key(name)
    data = bytearray(backend.get(key))
    where = len(data) - 20 if position == "footer" else len(data) - FOOTER_SIZE - 3
    data[where] ^= 0xFF
    backend.put(key, bytes(data))
    with pytest.raises(CorruptData, match=name):
        read_pack_index(backend, name)


def test_truncated_pack_is_corrupt() -> None:
    backend = MemoryBackend()
    name = build(backend, [b"alpha"])
    backend.put(pack_key(name), backend.get(pack_key(name))[:-10])
    with pytest.raises(CorruptData, match="pack"):
        read_pack_index(backend, name)
