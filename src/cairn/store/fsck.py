"""fsck: re-hash every chunk and manifest, name what is damaged, rebuild the index cache."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import blake3

from cairn.digest import PREFIX
from cairn.errors import CorruptData, StoreFormatError
from cairn.store.manifest import decode_manifest, manifest_key
from cairn.store.pack import HEADER, HEADER_SIZE, MAGIC, PACK_PREFIX, PackEntry, pack_key, pack_name
from cairn.store.pack import read_pack_index as read_index
from cairn.store.reader import MAX_READ

if TYPE_CHECKING:
    from cairn.store.store import Store

__all__ = ["FsckReport", "fsck"]


@dataclass(frozen=True)
class FsckReport:
    """What fsck checked and every damaged pack, chunk, file and snapshot it found."""

    damaged_packs: tuple[str, ...] = ()
    damaged_chunks: tuple[str, ...] = ()
    damaged_snapshots: tuple[str, ...] = ()
    damaged_files: tuple[tuple[str, str], ...] = ()  # (snapshot digest, file path)
    missing_chunks: tuple[str, ...] = ()
    checked_packs: int = 0
    checked_chunks: int = 0
    checked_snapshots: int = 0
    checked_bytes: int = 0
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not (
            self.damaged_packs
            or self.damaged_chunks
            or self.damaged_snapshots
            or self.missing_chunks
        )

    def summary(self) -> list[str]:
        """A human summary: one line of totals, then one line per problem."""
        head = (
            f"checked {self.checked_packs} packs, {self.checked_chunks} chunks "
            f"({self.checked_bytes} bytes), {self.checked_snapshots} snapshots: "
            + ("ok" if self.ok else "DAMAGED")
        )
        return [head, *self.problems]


def _check_pack(
    store: Store, name: str, progress: Callable[[int], None] | None
) -> tuple[list[PackEntry], list[PackEntry], int, str | None]:
    """(good entries, bad entries, size, problem) for one pack."""
    key = pack_key(name)
    try:
        entries, size = read_index(store.backend, name)
        magic, version, _ = HEADER.unpack(store.backend.get(key, 0, HEADER_SIZE))
    except CorruptData as error:
        return [], [], 0, error.message
    except KeyError:
        return [], [], 0, None  # deleted by a gc since it was listed
    if magic != MAGIC:
        return [], [], size, f"pack {key} has a damaged header"
    if version > 1:
        return [], [], size, f"pack {key} has unknown format {version}"
    good: list[PackEntry] = []
    bad: list[PackEntry] = []
    start = 0
    while start < len(entries):
        end = start
        first = entries[start].offset
        while end < len(entries) and entries[end].offset + entries[end].length - first <= MAX_READ:
            end += 1
        end = max(end, start + 1)
        last = entries[end - 1]
        data = memoryview(store.backend.get(key, first, last.offset + last.length))
        for entry in entries[start:end]:
            piece = data[entry.offset - first : entry.offset - first + entry.length]
            ok = len(piece) == entry.length
            ok = ok and PREFIX + blake3.blake3(piece).hexdigest() == entry.chunk_id
            (good if ok else bad).append(entry)
        if progress is not None:
            progress(len(data))
        start = end
    problem = f"pack {key}: {len(bad)} corrupt chunks" if bad else None
    return good, bad, size, problem


def fsck(store: Store, progress: Callable[[int], None] | None = None) -> FsckReport:
    """Check every pack and snapshot; the index cache is rebuilt from the good chunks first."""
    problems: list[str] = []
    damaged_packs: list[str] = []
    good_ids: set[str] = set()
    bad_ids: set[str] = set()
    checked_chunks = checked_bytes = 0
    names = [n for info in store.backend.list(PACK_PREFIX) if (n := pack_name(info.key))]
    store.index.clear()
    damaged_entries: list[tuple[str, int, list[PackEntry]]] = []
    for name in names:
        good, bad, size, problem = _check_pack(store, name, progress)
        checked_chunks += len(good) + len(bad)
        checked_bytes += sum(e.length for e in good) + sum(e.length for e in bad)
        good_ids.update(e.chunk_id for e in good)
        bad_ids.update(e.chunk_id for e in bad)
        if problem:
            damaged_packs.append(pack_key(name))
            problems.append(problem)
            problems.extend(f"  corrupt chunk {e.chunk_id} at offset {e.offset}" for e in bad)
        if good or bad:
            store.index.add_pack(name, size, good)
            damaged_entries.append((name, size, bad))
    for name, size, bad in damaged_entries:
        store.index.add_pack(name, size, bad)  # only where no good copy exists elsewhere
    damaged_chunks = bad_ids - good_ids
    damaged_snapshots: list[str] = []
    damaged_files: list[tuple[str, str]] = []
    missing: set[str] = set()
    digests = store.snapshot_digests()
    for digest in digests:
        try:
            snapshot = decode_manifest(store.backend.get(manifest_key(digest)), digest)
        except (CorruptData, StoreFormatError, KeyError) as error:
            damaged_snapshots.append(digest)
            problems.append(f"snapshot {digest}: {getattr(error, 'message', error)}")
            continue
        broken = False
        for entry in snapshot.files:
            absent = [c for c, _ in entry.chunks if c not in good_ids]
            if absent:
                broken = True
                damaged_files.append((digest, entry.path))
                missing.update(c for c in absent if c not in bad_ids)
                problems.append(
                    f"snapshot {digest}: file {entry.path} has {len(absent)} bad or missing chunks"
                )
        if broken:
            damaged_snapshots.append(digest)
    return FsckReport(
        damaged_packs=tuple(damaged_packs),
        damaged_chunks=tuple(sorted(damaged_chunks)),
        damaged_snapshots=tuple(damaged_snapshots),
        damaged_files=tuple(damaged_files),
        missing_chunks=tuple(sorted(missing)),
        checked_packs=len(names),
        checked_chunks=checked_chunks,
        checked_snapshots=len(digests),
        checked_bytes=checked_bytes,
        problems=tuple(problems),
    )
