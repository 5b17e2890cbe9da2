"""Snapshots and their manifests: canonical JSON whose BLAKE3 is the artifact digest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cairn.digest import PREFIX, canonical_json, hash_bytes, is_digest
from cairn.errors import CorruptData, StoreFormatError

__all__ = [
    "MANIFEST_FORMAT",
    "MANIFEST_PREFIX",
    "FileEntry",
    "Snapshot",
    "decode_manifest",
    "encode_manifest",
    "manifest_key",
    "normalize_mode",
]

MANIFEST_FORMAT = "cairn.manifest/1"
MANIFEST_PREFIX = "manifests/"


@dataclass(frozen=True)
class FileEntry:
    """One file of a snapshot: posix relative path, size, mode, whole-file digest, chunks."""

    path: str
    size: int
    mode: int
    digest: str
    chunks: tuple[tuple[str, int], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "size": self.size,
            "mode": self.mode,
            "digest": self.digest,
            "chunks": [[chunk_id, length] for chunk_id, length in self.chunks],
        }


@dataclass(frozen=True)
class Snapshot:
    """An immutable tree of files, named by the digest of its manifest."""

    digest: str
    files: tuple[FileEntry, ...]

    @property
    def size(self) -> int:
        return sum(entry.size for entry in self.files)

    @property
    def file_count(self) -> int:
        return len(self.files)

    def chunk_ids(self) -> set[str]:
        return {chunk_id for entry in self.files for chunk_id, _ in entry.chunks}

    def file(self, path: str) -> FileEntry | None:
        return next((entry for entry in self.files if entry.path == path), None)


def normalize_mode(st_mode: int) -> int:
    """Like git: 0o755 if anyone may execute the file, else 0o644 (same digest on every machine)."""
    return 0o755 if st_mode & 0o111 else 0o644


def manifest_key(digest: str) -> str:
    return f"{MANIFEST_PREFIX}{digest[len(PREFIX) :]}.json"


def encode_manifest(files: list[FileEntry]) -> bytes:
    ordered = sorted(files, key=lambda entry: entry.path)
    return canonical_json({"format": MANIFEST_FORMAT, "files": [e.to_json() for e in ordered]})


def decode_manifest(data: bytes, expected: str | None = None) -> Snapshot:
    """Parse and check a manifest; CorruptData if its hash or contents do not hold up."""
    digest = hash_bytes(data)
    if expected is not None and digest != expected:
        raise CorruptData(
            f"manifest {expected} hashes to {digest}: its bytes are damaged",
            "restore it from another registry (cairn pull) or drop the version",
        )
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise CorruptData(f"manifest {digest} is not JSON: {error}") from error
    if not isinstance(document, dict) or "format" not in document:
        raise CorruptData(f"manifest {digest} has no format field")
    if document["format"] != MANIFEST_FORMAT:
        raise StoreFormatError(f"manifest {digest} has unknown format {document['format']!r}")
    try:
        files = tuple(_decode_entry(item) for item in document["files"])
    except (KeyError, TypeError, ValueError) as error:
        raise CorruptData(f"manifest {digest} has a malformed file entry: {error}") from error
    paths = [entry.path for entry in files]
    if paths != sorted(set(paths)):
        raise CorruptData(f"manifest {digest} lists files out of order or twice")
    folders: set[str] = set()
    for path in paths:
        parts = path.split("/")[:-1]
        folders.update("/".join(parts[:depth]) for depth in range(1, len(parts) + 1))
    clash = folders & set(paths)
    if clash:
        raise CorruptData(f"manifest {digest} uses {sorted(clash)[0]!r} as a file and a folder")
    return Snapshot(digest, files)


def _decode_entry(item: dict[str, Any]) -> FileEntry:
    from cairn.store.tree import check_relative_path

    chunks = tuple((str(chunk_id), int(length)) for chunk_id, length in item["chunks"])
    entry = FileEntry(
        path=check_relative_path(str(item["path"])),
        size=int(item["size"]),
        mode=int(item["mode"]),
        digest=str(item["digest"]),
        chunks=chunks,
    )
    if not is_digest(entry.digest) or not all(is_digest(chunk_id) for chunk_id, _ in chunks):
        raise ValueError(f"{entry.path}: a digest is not blake3:<hex>")
    if sum(length for _, length in chunks) != entry.size:
        raise ValueError(f"{entry.path}: chunk lengths do not add up to the size")
    return entry
