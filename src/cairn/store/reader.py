"""Reading chunks back: coalesced ranged reads, one read ahead, every chunk verified."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import blake3

from cairn.digest import PREFIX
from cairn.errors import ChunkMissing, CorruptData
from cairn.store.backends.base import Backend
from cairn.store.index import ChunkLocation
from cairn.store.pack import pack_key

__all__ = ["MAX_READ", "read_chunks", "read_spans", "verify_chunk"]

MAX_READ = 4 * 1024 * 1024
READ_RING = 5


@dataclass
class _Range:
    pack: str
    start: int
    end: int
    chunks: list[tuple[str, int, int]]  # (id, offset within the range, length)


def verify_chunk(chunk_id: str, data: bytes | memoryview, where: str) -> None:
    """CorruptData naming the chunk if ``data`` does not hash to ``chunk_id``."""
    if PREFIX + blake3.blake3(data).hexdigest() != chunk_id:
        raise CorruptData(
            f"chunk {chunk_id} in {where} is corrupt (its bytes do not match its hash)",
            "run cairn fsck to list the damaged versions; restore them with cairn pull",
        )


def _plan(wanted: Sequence[tuple[str, ChunkLocation]]) -> list[_Range]:
    ranges: list[_Range] = []
    for chunk_id, where in wanted:
        last = ranges[-1] if ranges else None
        if (
            last is not None
            and last.pack == where.pack
            and last.end == where.offset
            and last.end - last.start + where.length <= MAX_READ
        ):
            last.chunks.append((chunk_id, where.offset - last.start, where.length))
            last.end += where.length
        else:
            ranges.append(
                _Range(
                    where.pack,
                    where.offset,
                    where.offset + where.length,
                    [(chunk_id, 0, where.length)],
                )
            )
    return ranges


def _missing_pack(key: str, part: _Range) -> ChunkMissing:
    return ChunkMissing(
        f"pack {key} holding chunk {part.chunks[0][0]} is gone",
        "run cairn fsck; restore the version from another registry (cairn pull)",
    )


def _truncated(key: str, part: _Range) -> CorruptData:
    return CorruptData(
        f"pack {key} is truncated: chunk {part.chunks[-1][0]} is cut short",
        "run cairn fsck to list the damaged versions",
    )


def _fetch(backend: Backend, part: _Range, into: bytearray | None) -> memoryview:
    """The bytes of one range: read into a reused buffer where the backend can."""
    key = pack_key(part.pack)
    size = part.end - part.start
    try:
        if into is not None:
            view = memoryview(into)[:size]
            if backend.read_into(key, part.start, view) != size:  # type: ignore[attr-defined]
                raise _truncated(key, part)
            return view
        data = backend.get(key, part.start, part.end)
    except KeyError:
        raise _missing_pack(key, part) from None
    if len(data) != size:
        raise _truncated(key, part)
    return memoryview(data)


def _fetched(backend: Backend, plan: list[_Range]) -> Iterator[tuple[_Range, memoryview]]:
    """Each range's bytes, the next one read ahead on a thread while this one is used.

    On a backend with ``read_into`` the ranges go through a ring of ``READ_RING`` buffers: the
    bytes of a range stay valid until ``READ_RING - 2`` further ranges have been yielded.
    """
    if not plan:
        return
    ring: list[bytearray] | None = [] if hasattr(backend, "read_into") else None

    def buffer(index: int) -> bytearray | None:
        if ring is None:
            return None
        if len(ring) < READ_RING:
            ring.append(bytearray(MAX_READ))
            return ring[-1]
        return ring[index % READ_RING]

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cairn-read") as pool:
        ahead: Future[memoryview] = pool.submit(_fetch, backend, plan[0], buffer(0))
        for index, part in enumerate(plan):
            data = ahead.result()
            if index + 1 < len(plan):
                ahead = pool.submit(_fetch, backend, plan[index + 1], buffer(index + 1))
            yield part, data


def read_chunks(
    backend: Backend, wanted: Sequence[tuple[str, ChunkLocation]]
) -> Iterator[tuple[str, memoryview]]:
    """Yield ``(id, bytes)`` for ``wanted`` in order, each verified before it is yielded."""
    for part, data in _fetched(backend, _plan(wanted)):
        for chunk_id, offset, length in part.chunks:
            view = data[offset : offset + length]
            verify_chunk(chunk_id, view, pack_key(part.pack))
            yield chunk_id, view


def read_spans(
    backend: Backend, wanted: Sequence[tuple[str, ChunkLocation]], breaks: set[int]
) -> Iterator[tuple[memoryview, int]]:
    """Yield ``(bytes, number of chunks)``: runs of chunks contiguous in one read.

    The chunks are NOT hashed one by one: the caller hashes each whole file it assembles and
    falls back to :func:`read_chunks` to name a bad chunk. A run never crosses an index in
    ``breaks`` (where the next file starts).
    """
    position = 0
    for part, data in _fetched(backend, _plan(wanted)):
        start = end = count = 0
        for _, offset, length in part.chunks:
            if count and (position in breaks or offset != end):
                yield data[start:end], count
                count = 0
            if not count:
                start = offset
            end = offset + length
            count += 1
            position += 1
        if count:
            yield data[start:end], count
