"""Checking that a folder on disk still holds exactly the files of a snapshot."""

from __future__ import annotations

from pathlib import Path

from cairn.digest import hash_file
from cairn.errors import CorruptData
from cairn.store import Snapshot

__all__ = ["verify_tree"]


def verify_tree(snapshot: Snapshot, root: Path) -> None:
    """Raise :class:`CorruptData` unless every file of ``snapshot`` is in ``root`` unchanged."""
    for entry in snapshot.files:
        path = root / entry.path
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise CorruptData(
                f"{path} is missing from the checkout of {snapshot.digest}",
                "delete the folder and check the version out again",
            ) from None
        if size != entry.size or hash_file(path) != entry.digest:
            raise CorruptData(
                f"{path} differs from {entry.path} in {snapshot.digest}",
                "delete the folder and check the version out again",
            )
