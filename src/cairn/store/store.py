"""The Store: put trees in, get snapshots out, move chunks between stores."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO

from cairn.digest import canonical_json, parse
from cairn.errors import ChunkMissing, CorruptData, NotFound, StoreFormatError
from cairn.store.backends.base import Backend
from cairn.store.checkout import open_reader, write_checkout
from cairn.store.chunker import AVG_SIZE, BLOCK_SIZE, MAX_SIZE, MIN_SIZE, Chunker
from cairn.store.index import ChunkLocation, IndexCache
from cairn.store.ingest import ChunkWriter, ingest_file
from cairn.store.manifest import Snapshot, decode_manifest, encode_manifest, manifest_key
from cairn.store.pack import PACK_FORMAT, PACK_PREFIX, pack_name, read_pack_index
from cairn.store.tree import check_relative_path, collect_files

if TYPE_CHECKING:
    from cairn.store.fsck import FsckReport
    from cairn.store.gc import GcReport
    from cairn.store.transfer import TransferStats

__all__ = ["FORMAT_KEY", "STORE_FORMAT", "Store"]

Progress = Callable[[int], None]
STORE_FORMAT = 1
FORMAT_KEY = "cairn-store.json"
EPOCH_KEY = "gc-epoch"
GC_LOCK = "gc"
GC_WAIT_SECONDS = 3600.0
_MAX_GC_RETRIES = 3
_SNAPSHOT_CACHE = 256


def format_record() -> bytes:
    return canonical_json(
        {
            "format": "cairn-store",
            "version": STORE_FORMAT,
            "pack_format": PACK_FORMAT,
            "hash": "blake3",
            "chunker": {"algorithm": "fastcdc", "avg": AVG_SIZE, "min": MIN_SIZE, "max": MAX_SIZE},
        }
    )


class Store:
    """A content-addressed, chunked, deduplicated store of snapshots on one backend."""

    def __init__(self, backend: Backend, index_path: Path | None, *, create: bool = True) -> None:
        self.backend = backend
        self._check_format(create)
        self.index = IndexCache(index_path)
        self._snapshots: dict[str, Snapshot] = {}
        self._epoch = self._read_epoch()
        self.refresh_index()

    # -- format, epoch, index ---------------------------------------------------------------

    def _check_format(self, create: bool) -> None:
        try:
            record = json.loads(self.backend.get(FORMAT_KEY))
        except KeyError:
            if not create:
                raise NotFound(
                    f"there is no cairn store at {self.backend.url}",
                    "check the URL, or create it (open_store(url, create=True))",
                ) from None
            self.backend.create_if_absent(FORMAT_KEY, format_record())
            record = json.loads(self.backend.get(FORMAT_KEY))
        except ValueError as error:
            raise StoreFormatError(f"{self.backend.url}/{FORMAT_KEY} is not JSON") from error
        version = record.get("version") if isinstance(record, dict) else None
        if not isinstance(version, int) or record.get("format") != "cairn-store":
            raise StoreFormatError(f"{self.backend.url}/{FORMAT_KEY} is not a cairn store record")
        if version > STORE_FORMAT:
            raise StoreFormatError(
                f"the store at {self.backend.url} has format {version}; "
                f"this cairn reads up to {STORE_FORMAT}"
            )

    def _read_epoch(self) -> str:
        try:
            return self.backend.get(EPOCH_KEY).decode()
        except KeyError:
            return ""

    def refresh_index(self, *, full: bool = False) -> None:
        """Bring the index cache in line with the packs on the backend (``full``: rebuild)."""
        listed = {
            name: info.size
            for info in self.backend.list(PACK_PREFIX)
            if (name := pack_name(info.key)) is not None
        }
        if full:
            self.index.clear()
        known = self.index.packs()
        self.index.remove_packs(set(known) - set(listed))
        for name in sorted(set(listed) - set(known)):
            try:
                entries, size = read_pack_index(self.backend, name)
            except (KeyError, CorruptData):
                continue  # gone meanwhile, or damaged: fsck reports it
            self.index.add_pack(name, size, entries)

    def locate(self, chunk_ids: list[str]) -> dict[str, ChunkLocation]:
        """Where each chunk is; ChunkMissing naming the first one the store lacks."""
        found = self.index.locate(chunk_ids)
        for full in (False, True):
            if len(found) == len(set(chunk_ids)):
                return found
            self.refresh_index(full=full)
            found = self.index.locate(chunk_ids)
        absent = [chunk_id for chunk_id in chunk_ids if chunk_id not in found]
        if absent:
            raise ChunkMissing(
                f"chunk {absent[0]} is not in the store at {self.backend.url}"
                + (f" ({len(absent)} chunks missing)" if len(absent) > 1 else ""),
                "run cairn fsck; copy the version again from a registry that has it",
            )
        return found

    def _settle(self, chunk_ids: set[str]) -> bool:
        """After a manifest is written: wait out a running gc, then check it kept our chunks."""
        with self.backend.lock(GC_LOCK, GC_WAIT_SECONDS):
            epoch = self._read_epoch()
        if epoch == self._epoch:
            return True
        self._epoch = epoch
        self.refresh_index()
        return len(self.index.locate(list(chunk_ids))) == len(chunk_ids)

    def _start_write(self) -> None:
        epoch = self._read_epoch()
        if epoch != self._epoch:
            self._epoch = epoch
            self.refresh_index()

    # -- writing ------------------------------------------------------------------------------

    def put_tree(
        self, source: Path | Sequence[Path], *, progress: Progress | None = None
    ) -> Snapshot:
        """Snapshot a folder (paths relative to it) or a list of files and folders."""
        files = collect_files(source)
        for _ in range(_MAX_GC_RETRIES):
            self._start_write()
            writer = ChunkWriter(self.backend, self.index)
            # Buffers sized to the largest file: small models do not pay for 4 MiB blocks.
            chunker = Chunker(min(BLOCK_SIZE, max((f.size for f in files), default=0) + 1))
            hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cairn-hash")
            try:
                entries = [ingest_file(f, chunker, writer, hashing, progress) for f in files]
                writer.flush()
            except BaseException:
                writer.abort()
                raise
            finally:
                writer.close()
                hashing.shutdown()
            manifest = encode_manifest(entries)
            snapshot = decode_manifest(manifest)
            self.backend.put(manifest_key(snapshot.digest), manifest)
            if self._settle(snapshot.chunk_ids()):
                self._remember(snapshot)
                return snapshot
            progress = None
        raise ChunkMissing(
            f"gc kept removing the chunks of {snapshot.digest} while it was written",
            "retry when no gc is running",
        )

    def put_manifest(self, manifest: bytes) -> Snapshot:
        """Store a manifest whose chunks are all present already (ChunkMissing otherwise)."""
        self._start_write()
        snapshot = decode_manifest(manifest)
        self.locate(sorted(snapshot.chunk_ids()))
        self.backend.put(manifest_key(snapshot.digest), manifest)
        if not self._settle(snapshot.chunk_ids()):
            self.locate(sorted(snapshot.chunk_ids()))
        self._remember(snapshot)
        return snapshot

    def import_chunks(self, chunks: Iterable[tuple[str, bytes]]) -> int:
        """Verify and pack chunks sent by another store; return the bytes newly written."""
        from cairn.store.transfer import import_chunks

        self._start_write()
        return import_chunks(self, chunks)

    # -- reading ------------------------------------------------------------------------------

    def manifest_bytes(self, digest: str) -> bytes:
        parse(digest)
        try:
            data = self.backend.get(manifest_key(digest))
        except KeyError:
            raise NotFound(
                f"snapshot {digest} is not in the store at {self.backend.url}",
                "check the digest, or pull the version from a registry that has it",
            ) from None
        decode_manifest(data, digest)
        return data

    def snapshot(self, digest: str) -> Snapshot:
        cached = self._snapshots.get(digest)
        if cached is not None:
            return cached
        snapshot = decode_manifest(self.manifest_bytes(digest), digest)
        self._remember(snapshot)
        return snapshot

    def _remember(self, snapshot: Snapshot) -> None:
        self._snapshots[snapshot.digest] = snapshot
        while len(self._snapshots) > _SNAPSHOT_CACHE:
            del self._snapshots[next(iter(self._snapshots))]

    def has_snapshot(self, digest: str) -> bool:
        parse(digest)
        return digest in self._snapshots or self.backend.exists(manifest_key(digest))

    def snapshot_digests(self) -> list[str]:
        """Every snapshot stored, referenced or not."""
        from cairn.digest import PREFIX
        from cairn.store.manifest import MANIFEST_PREFIX

        return [
            PREFIX + info.key[len(MANIFEST_PREFIX) : -len(".json")]
            for info in self.backend.list(MANIFEST_PREFIX)
            if info.key.endswith(".json")
        ]

    def checkout(self, digest: str, dest: Path, *, progress: Progress | None = None) -> None:
        """Write a snapshot's files into ``dest`` (new or empty), verified, atomically."""
        snapshot = self.snapshot(digest)
        try:
            write_checkout(self.backend, snapshot, self.locate, Path(dest), progress)
        except ChunkMissing:
            self.refresh_index()  # a gc elsewhere may have moved chunks to a new pack
            write_checkout(self.backend, snapshot, self.locate, Path(dest), None)

    def open_file(self, digest: str, path: str) -> BinaryIO:
        """Stream one file of a snapshot; bytes are verified as they are read."""
        entry = self.snapshot(digest).file(check_relative_path(path))
        if entry is None:
            raise NotFound(f"snapshot {digest} has no file {path!r}", "list its files first")
        return open_reader(self.backend, entry, self.locate)

    def new_bytes(self, old: Snapshot | None, new: Snapshot) -> int:
        """Bytes of the chunks in ``new`` that ``old`` does not have (what a diff costs)."""
        seen = old.chunk_ids() if old is not None else set()
        sizes = {chunk_id: length for e in new.files for chunk_id, length in e.chunks}
        return sum(length for chunk_id, length in sizes.items() if chunk_id not in seen)

    def missing(self, chunk_ids: Iterable[str]) -> list[str]:
        """The ids this store lacks, in the order given."""
        wanted = list(dict.fromkeys(parse(chunk_id) for chunk_id in chunk_ids))
        found = self.index.locate(wanted)
        if len(found) < len(wanted):
            self.refresh_index()
            found = self.index.locate(wanted)
        return [chunk_id for chunk_id in wanted if chunk_id not in found]

    def export_chunks(self, chunk_ids: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """The chunks' bytes, verified, read pack by pack."""
        from cairn.store.reader import read_chunks

        wanted = list(dict.fromkeys(chunk_ids))
        where = self.locate(wanted)
        ordered = sorted(wanted, key=lambda c: (where[c].pack, where[c].offset))
        for chunk_id, data in read_chunks(self.backend, [(c, where[c]) for c in ordered]):
            yield chunk_id, bytes(data)

    # -- maintenance and transfer ---------------------------------------------------------------

    def copy(self, digest: str, to: Store, *, progress: Progress | None = None) -> TransferStats:
        from cairn.store.transfer import copy_snapshot

        return copy_snapshot(self, digest, to, progress)

    def fsck(self, *, progress: Progress | None = None) -> FsckReport:
        from cairn.store.fsck import fsck

        return fsck(self, progress)

    def gc(
        self, keep: Iterable[str], *, grace: float | timedelta = 3600.0, dry_run: bool = False
    ) -> GcReport:
        from cairn.store.gc import collect_garbage

        seconds = grace.total_seconds() if isinstance(grace, timedelta) else float(grace)
        return collect_garbage(self, set(keep), seconds, dry_run)

    def close(self) -> None:
        self.index.close()
        self.backend.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.backend.url!r})"
