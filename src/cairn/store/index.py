"""The local index cache: chunk id -> (pack, offset, length), in SQLite; rebuildable from packs."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cairn.errors import StoreError
from cairn.store.pack import PackEntry, raw_id

__all__ = ["ChunkLocation", "IndexCache"]

_BATCH = 500
_SCHEMA = """
CREATE TABLE IF NOT EXISTS packs (name TEXT PRIMARY KEY, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    id BLOB PRIMARY KEY, pack TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chunks_by_pack ON chunks (pack);
"""


@dataclass(frozen=True)
class ChunkLocation:
    pack: str
    offset: int
    length: int


class IndexCache:
    """Answers "have chunk X, and where" without reading packs. Several processes may share it."""

    def __init__(self, path: Path | None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path if path is not None else "memory"
        target = str(path) if path is not None else ":memory:"
        self._db = sqlite3.connect(target, timeout=60.0, check_same_thread=False)
        self._guard = threading.Lock()
        with self._guard:
            if path is not None:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def locate(self, chunk_ids: Sequence[str]) -> dict[str, ChunkLocation]:
        """The known locations of ``chunk_ids`` (absent ids are left out)."""
        found: dict[str, ChunkLocation] = {}
        by_raw = {raw_id(chunk_id): chunk_id for chunk_id in chunk_ids}
        raws = list(by_raw)
        with self._guard:
            for start in range(0, len(raws), _BATCH):
                batch = raws[start : start + _BATCH]
                marks = ",".join("?" * len(batch))
                rows = self._db.execute(
                    f"SELECT id, pack, offset, length FROM chunks WHERE id IN ({marks})",  # noqa: S608
                    batch,
                )
                for raw, pack, offset, length in rows:
                    found[by_raw[raw]] = ChunkLocation(pack, offset, length)
        return found

    def add_pack(self, name: str, size: int, entries: Iterable[PackEntry]) -> None:
        """Record a durable pack; an id already known elsewhere keeps its first location."""
        rows = [(raw_id(e.chunk_id), name, e.offset, e.length) for e in entries]
        try:
            with self._guard, self._db:
                self._db.execute("INSERT OR REPLACE INTO packs VALUES (?, ?)", (name, size))
                self._db.executemany("INSERT OR IGNORE INTO chunks VALUES (?, ?, ?, ?)", rows)
        except sqlite3.Error as error:
            raise StoreError(
                f"could not record pack {name} in the index cache {self._path}: {error}",
                "free disk space and retry; the cache can be deleted, cairn rebuilds it",
            ) from error

    def remove_packs(self, names: Iterable[str]) -> None:
        """Forget packs that are gone (the chunks they held become unknown)."""
        with self._guard, self._db:
            for name in names:
                self._db.execute("DELETE FROM chunks WHERE pack = ?", (name,))
                self._db.execute("DELETE FROM packs WHERE name = ?", (name,))

    def packs(self) -> dict[str, int]:
        with self._guard:
            return dict(self._db.execute("SELECT name, size FROM packs"))

    def chunk_count(self) -> int:
        with self._guard:
            return int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def clear(self) -> None:
        with self._guard, self._db:
            self._db.execute("DELETE FROM chunks")
            self._db.execute("DELETE FROM packs")

    def close(self) -> None:
        with self._guard:
            self._db.close()
