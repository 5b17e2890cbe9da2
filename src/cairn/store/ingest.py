"""Writing files into packs: chunk, hash, skip what the store has, append the rest in order.

The calling thread reads and cuts (FastCDC holds the GIL), a hashing thread computes BLAKE3
(which releases it), and a writer thread does the pack writes, fsyncs and index updates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

import blake3

from cairn.digest import PREFIX
from cairn.errors import UnreadableFile
from cairn.store.backends.base import Backend
from cairn.store.chunker import Block, Chunker
from cairn.store.index import IndexCache
from cairn.store.manifest import FileEntry, normalize_mode
from cairn.store.pack import PackBuilder
from cairn.store.pipeline import Background
from cairn.store.tree import SourceFile

__all__ = ["ChunkWriter", "ingest_file"]

Progress = Callable[[int], None]
Buffer = bytes | bytearray | memoryview


class ChunkWriter:
    """Appends chunks the store lacks to the current pack; a full pack is made durable, then
    indexed (pack -> index; the manifest comes after :meth:`flush`)."""

    def __init__(self, backend: Backend, index: IndexCache) -> None:
        self._backend = backend
        self._index = index
        self._io = Background("cairn-pack")
        self._durable = Background("cairn-fsync")
        self._pack: PackBuilder | None = None
        self._unfinished: list[PackBuilder] = []
        self._pending: set[str] = set()  # in the open pack
        self._committing: set[str] = set()  # in the pack being committed
        self._commit_done = 0
        self._last_batch = 0
        self.packs: list[str] = []
        self.bytes_written = 0

    def add(self, chunk_ids: Sequence[str], chunks: Sequence[Buffer]) -> int:
        """Queue the chunks not yet present, in order; return how many bytes were new.

        The buffers must stay untouched until the next call returns (one block of overlap).
        """
        unseen = [c for c in chunk_ids if c not in self._pending and c not in self._committing]
        known = self._index.locate(unseen) if unseen else {}
        parts: list[Buffer] = []
        new_bytes = 0
        for chunk_id, data in zip(chunk_ids, chunks, strict=True):
            if chunk_id in self._pending or chunk_id in self._committing or chunk_id in known:
                continue
            if self._pack is None:
                self._pack = PackBuilder(self._backend)
                self._unfinished.append(self._pack)
            self._pack.record(chunk_id, len(data))
            self._pending.add(chunk_id)
            parts.append(data)
            new_bytes += len(data)
            if self._pack.full:
                self._io.submit(self._pack.write, parts)
                parts = []
                self._commit()
        if parts and self._pack is not None:
            self._io.submit(self._pack.write, parts)
        self.bytes_written += new_bytes
        previous, self._last_batch = self._last_batch, self._io.submitted
        self._io.wait_for(previous)
        return new_bytes

    def _commit(self) -> None:
        """Seal the open pack on the writer thread, then make it durable and index it on the
        fsync thread while the writer goes on with the next pack (one commit in flight)."""
        pack, self._pack = self._pack, None
        if pack is None:
            return
        sealed: list[str] = []
        self._io.wait_for(self._io.submit(lambda: sealed.append(pack.seal())))
        self._durable.wait_for(self._commit_done)
        self._committing = self._pending
        self._pending = set()
        self._commit_done = self._durable.submit(self._finish, pack, sealed[0])

    def _finish(self, pack: PackBuilder, name: str) -> None:
        pack.commit(name)
        self._index.add_pack(name, pack.size, pack.entries)
        self.packs.append(name)
        self._unfinished.remove(pack)

    def flush(self) -> None:
        """Commit the open pack and wait until every pack is durable and indexed."""
        self._commit()
        self._io.drain()
        self._durable.drain()
        self._committing = set()

    def abort(self) -> None:
        """Stop; throw away every pack not yet durable (their temporary files go too)."""
        self._io.close()
        self._durable.close()
        for pack in self._unfinished:
            pack.abort()
        self._unfinished.clear()
        self._pack = None
        self._pending.clear()

    def close(self) -> None:
        self._io.close()
        self._durable.close()


def _hash_block(block: Block, whole: Any) -> list[str]:
    """Chunk ids of a block, and the block into the whole-file hash (BLAKE3 drops the GIL)."""
    ids = [PREFIX + blake3.blake3(view).hexdigest() for view in block.chunks]
    whole.update(block.data)
    return ids


def ingest_file(
    file: SourceFile,
    chunker: Chunker,
    writer: ChunkWriter,
    hashing: ThreadPoolExecutor,
    progress: Progress | None,
) -> FileEntry:
    """Chunk, hash and store one file, streaming; return its manifest entry.

    Three stages overlap: this thread reads and cuts block k+1 while the hashing thread hashes
    block k and the writer thread writes the new chunks of block k-1.
    """
    whole = blake3.blake3()
    chunks: list[tuple[str, int]] = []
    size = 0

    def store(block: Block, hashed: Future[list[str]]) -> None:
        nonlocal size
        ids = hashed.result()
        writer.add(ids, block.chunks)
        chunks.extend(zip(ids, (len(view) for view in block.chunks), strict=True))
        size += len(block.data)
        if progress is not None:
            progress(len(block.data))

    try:
        stream = file.source.open("rb", buffering=0)
    except PermissionError as error:
        raise UnreadableFile(f"cannot read {file.source}: permission denied") from error
    with stream:
        waiting: tuple[Block, Future[list[str]]] | None = None
        try:
            for block in chunker.blocks(stream):
                hashed = hashing.submit(_hash_block, block, whole)
                if waiting is not None:
                    store(*waiting)
                waiting = (block, hashed)
        except OSError as error:
            reason = error.strerror or str(error)
            raise UnreadableFile(f"cannot read {file.source}: {reason}") from error
        finally:
            if waiting is not None:
                wait([waiting[1]])
        if waiting is not None:
            store(*waiting)
    return FileEntry(
        path=file.path,
        size=size,
        mode=normalize_mode(file.st_mode),
        digest=PREFIX + whole.hexdigest(),
        chunks=tuple(chunks),
    )
