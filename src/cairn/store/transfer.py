"""Moving snapshots between stores: send only the chunks the other side lacks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cairn.digest import parse
from cairn.errors import ChunkMissing
from cairn.store.ingest import ChunkWriter
from cairn.store.reader import verify_chunk

if TYPE_CHECKING:
    from cairn.store.store import Store

__all__ = ["TransferStats", "copy_snapshot", "import_chunks"]

_BATCH = 256


@dataclass(frozen=True)
class TransferStats:
    """What a copy sent, and what it did not need to send."""

    chunks_sent: int
    bytes_sent: int
    chunks_skipped: int
    bytes_skipped: int


def import_chunks(store: Store, chunks: Iterable[tuple[str, bytes]]) -> int:
    """Verify each chunk against its id and pack the ones ``store`` lacks; return bytes written."""
    writer = ChunkWriter(store.backend, store.index)
    written = 0
    ids: list[str] = []
    blobs: list[bytes] = []
    try:
        for chunk_id, data in chunks:
            verify_chunk(parse(chunk_id), data, "the chunks received")
            ids.append(chunk_id)
            blobs.append(data)
            if len(ids) >= _BATCH:
                written += writer.add(ids, blobs)
                ids, blobs = [], []
        if ids:
            written += writer.add(ids, blobs)
        writer.flush()
    except BaseException:
        writer.abort()
        raise
    finally:
        writer.close()
    return written


def copy_snapshot(
    source: Store, digest: str, target: Store, progress: Callable[[int], None] | None
) -> TransferStats:
    """Copy one snapshot; chunks ``target`` already has are skipped."""
    snapshot = source.snapshot(digest)
    sizes = {chunk_id: length for entry in snapshot.files for chunk_id, length in entry.chunks}
    manifest = source.manifest_bytes(digest)
    for attempt in range(2):
        lacking = target.missing(sizes)

        def sending(ids: list[str] = lacking) -> Iterator[tuple[str, bytes]]:
            for chunk_id, data in source.export_chunks(ids):
                if progress is not None:
                    progress(len(data))
                yield chunk_id, data

        target.import_chunks(sending())
        try:
            target.put_manifest(manifest)
        except ChunkMissing:
            if attempt:
                raise
            continue
        break
    sent = sum(sizes[chunk_id] for chunk_id in lacking)
    return TransferStats(
        chunks_sent=len(lacking),
        bytes_sent=sent,
        chunks_skipped=len(sizes) - len(lacking),
        bytes_skipped=sum(sizes.values()) - sent,
    )
