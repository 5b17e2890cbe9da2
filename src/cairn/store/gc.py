"""gc: drop what no kept snapshot references, once it is older than the grace period.

Safety with concurrent writers: gc holds the store's gc lock and bumps the gc epoch before it
looks at anything; manifests younger than the grace period count as roots; packs younger than
the grace period are never touched. A writer that finishes while gc runs waits for the lock,
sees the new epoch, and re-checks (and if needed re-writes) its chunks before returning.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cairn.digest import PREFIX
from cairn.errors import CorruptData
from cairn.store.backends.base import ObjectInfo
from cairn.store.backends.local import LocalBackend
from cairn.store.manifest import MANIFEST_PREFIX, decode_manifest
from cairn.store.pack import (
    PACK_PREFIX,
    PackBuilder,
    PackEntry,
    pack_key,
    pack_name,
    read_pack_index,
)
from cairn.store.reader import read_chunks

if TYPE_CHECKING:
    from cairn.store.store import Store

__all__ = ["REWRITE_BELOW", "GcReport", "collect_garbage"]

REWRITE_BELOW = 0.5  # rewrite a pack when less than this share of its bytes is still live
LOCK_WAIT_SECONDS = 60.0


@dataclass(frozen=True)
class GcReport:
    """What gc removed (or, with ``dry_run``, would remove) and what it kept."""

    dry_run: bool
    packs_deleted: tuple[str, ...]
    packs_rewritten: tuple[str, ...]
    manifests_deleted: tuple[str, ...]
    temp_files_deleted: int
    bytes_freed: int
    packs_kept: int
    unknown_keep: tuple[str, ...]

    def summary(self) -> list[str]:
        verb = "would free" if self.dry_run else "freed"
        lines = [
            f"{verb} {self.bytes_freed} bytes: {len(self.packs_deleted)} packs deleted, "
            f"{len(self.packs_rewritten)} rewritten, {len(self.manifests_deleted)} snapshots "
            f"deleted, {self.temp_files_deleted} temporary files removed; "
            f"{self.packs_kept} packs kept"
        ]
        lines += [f"kept snapshot {d} is not in the store" for d in self.unknown_keep]
        return lines


def _digest_of(info: ObjectInfo) -> str | None:
    if info.key.startswith(MANIFEST_PREFIX) and info.key.endswith(".json"):
        return PREFIX + info.key[len(MANIFEST_PREFIX) : -len(".json")]
    return None


def collect_garbage(store: Store, keep: set[str], grace: float, dry_run: bool) -> GcReport:
    from cairn.store.store import EPOCH_KEY, GC_LOCK

    backend = store.backend
    with backend.lock(GC_LOCK, LOCK_WAIT_SECONDS):
        if not dry_run:
            backend.put(EPOCH_KEY, uuid.uuid4().hex.encode())
        cutoff = time.time() - grace
        store.refresh_index()
        manifests = {d: info for info in backend.list(MANIFEST_PREFIX) if (d := _digest_of(info))}
        roots = {d for d, info in manifests.items() if d in keep or info.modified > cutoff}
        live: set[str] = set()
        for digest in sorted(roots):
            try:
                live |= decode_manifest(backend.get(manifests[digest].key), digest).chunk_ids()
            except (CorruptData, KeyError) as error:
                raise CorruptData(
                    f"gc stopped: snapshot {digest} cannot be read ({error})",
                    "run cairn fsck and repair the store before gc",
                ) from error
        deleted, rewritten, freed, kept = [], [], 0, 0
        survivors: list[tuple[str, PackEntry]] = []
        for info in backend.list(PACK_PREFIX):
            name = pack_name(info.key)
            if name is None:
                continue
            if info.modified > cutoff:
                kept += 1
                continue
            try:
                entries, size = read_pack_index(backend, name)
            except (CorruptData, KeyError):
                kept += 1  # fsck reports it; never delete what cannot be read
                continue
            located = store.index.locate([e.chunk_id for e in entries if e.chunk_id in live])
            alive = [  # a live chunk counts here unless the index places it in another pack
                e
                for e in entries
                if e.chunk_id in live
                and (e.chunk_id not in located or located[e.chunk_id].pack == name)
            ]
            alive_bytes = sum(e.length for e in alive)
            if not alive:
                deleted.append(name)
                freed += size
            elif alive_bytes < REWRITE_BELOW * sum(e.length for e in entries):
                rewritten.append(name)
                survivors.extend((name, e) for e in alive)
                freed += size - alive_bytes
            else:
                kept += 1
        dead_manifests = sorted(d for d in manifests if d not in roots)
        local = backend if isinstance(backend, LocalBackend) else None
        stale_temp = [t for t in local.temp_files() if t.modified <= cutoff] if local else []
        if not dry_run:
            _rewrite(store, survivors)
            store.index.remove_packs(deleted + rewritten)
            for name in deleted + rewritten:
                backend.delete(pack_key(name))
            store.refresh_index()
            for digest in dead_manifests:
                backend.delete(manifests[digest].key)
                store._snapshots.pop(digest, None)
            if local is not None:
                stale_temp = [temp for temp in stale_temp if local.remove_temp(temp)]
        return GcReport(
            dry_run=dry_run,
            packs_deleted=tuple(deleted),
            packs_rewritten=tuple(rewritten),
            manifests_deleted=tuple(dead_manifests),
            temp_files_deleted=len(stale_temp),
            bytes_freed=freed,
            packs_kept=kept,
            unknown_keep=tuple(sorted(keep - set(manifests))),
        )


def _rewrite(store: Store, survivors: list[tuple[str, PackEntry]]) -> None:
    """Copy the live chunks of mostly-dead packs into new packs (durable before any delete)."""
    from cairn.store.index import ChunkLocation

    builder: PackBuilder | None = None
    wanted = [(e.chunk_id, ChunkLocation(name, e.offset, e.length)) for name, e in survivors]
    for chunk_id, data in read_chunks(store.backend, wanted):
        if builder is None:
            builder = PackBuilder(store.backend)
        builder.add(chunk_id, data)
        if builder.full:
            builder.finish()
            builder = None
    if builder is not None:
        builder.finish()
