"""Writing files into packs: chunk, hash, skip what the store has, append the rest in order."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import blake3

from cairn.digest import PREFIX
from cairn.errors import UnreadableFile
from cairn.store.backends.base import Backend
from cairn.store.chunker import iter_chunks
from cairn.store.index import IndexCache
from cairn.store.manifest import FileEntry, normalize_mode
from cairn.store.pack import PackBuilder
from cairn.store.tree import SourceFile

__all__ = ["ChunkWriter", "ingest_file"]

Progress = Callable[[int], None]


class ChunkWriter:
    """Appends new chunks to the current pack; a full pack is committed, then indexed."""

    def __init__(self, backend: Backend, index: IndexCache) -> None:
        self._backend = backend
        self._index = index
        self._pack: PackBuilder | None = None
        self._pending: set[str] = set()
        self.packs: list[str] = []
        self.bytes_written = 0
        self.chunks_written = 0

    def add(
        self, chunk_ids: Sequence[str], chunks: Sequence[bytes | bytearray | memoryview]
    ) -> int:
        """Store the chunks not yet present (in order); return how many bytes were new."""
        unseen = [chunk_id for chunk_id in chunk_ids if chunk_id not in self._pending]
        known = self._index.locate(unseen) if unseen else {}
        new_bytes = 0
        for chunk_id, data in zip(chunk_ids, chunks, strict=True):
            if chunk_id in self._pending or chunk_id in known:
                continue
            if self._pack is None:
                self._pack = PackBuilder(self._backend)
            self._pack.add(chunk_id, data)
            self._pending.add(chunk_id)
            new_bytes += len(data)
            if self._pack.full:
                self._commit()
        self.bytes_written += new_bytes
        return new_bytes

    def _commit(self) -> None:
        pack, self._pack = self._pack, None
        if pack is None:
            return
        try:
            name = pack.finish()
        except BaseException:
            pack.abort()
            raise
        self._index.add_pack(name, pack.size, pack.entries)
        self.packs.append(name)
        self.chunks_written += len(pack.entries)
        self._pending.clear()

    def flush(self) -> None:
        """Commit the open pack (durable, then indexed)."""
        self._commit()

    def abort(self) -> None:
        if self._pack is not None:
            self._pack.abort()
            self._pack = None
        self._pending.clear()


def ingest_file(file: SourceFile, writer: ChunkWriter, progress: Progress | None) -> FileEntry:
    """Chunk, hash and store one file, streaming; return its manifest entry."""
    whole = blake3.blake3()
    chunks: list[tuple[str, int]] = []
    size = 0
    try:
        stream = file.source.open("rb", buffering=0)
    except PermissionError as error:
        raise UnreadableFile(f"cannot read {file.source}: permission denied") from error
    with stream:
        try:
            for block in iter_chunks(stream):
                ids = [PREFIX + blake3.blake3(view).hexdigest() for view in block]
                for view in block:
                    whole.update(view)
                writer.add(ids, block)
                block_size = sum(len(view) for view in block)
                chunks.extend(zip(ids, (len(view) for view in block), strict=True))
                size += block_size
                del block
                if progress is not None:
                    progress(block_size)
        except OSError as error:
            reason = error.strerror or str(error)
            raise UnreadableFile(f"cannot read {file.source}: {reason}") from error
    return FileEntry(
        path=file.path,
        size=size,
        mode=normalize_mode(file.st_mode),
        digest=PREFIX + whole.hexdigest(),
        chunks=tuple(chunks),
    )
