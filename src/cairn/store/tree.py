"""Turning a folder or a list of paths into validated files to snapshot."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cairn.errors import InvalidPath, UnreadableFile, UnsupportedFile

__all__ = ["SourceFile", "check_relative_path", "collect_files"]


@dataclass(frozen=True)
class SourceFile:
    """A regular file to store under ``path`` (posix, relative), read from ``source``."""

    path: str
    source: Path
    size: int
    st_mode: int


def check_relative_path(path: str) -> str:
    """Return ``path`` if it is a clean relative posix path; InvalidPath otherwise."""
    pure = PurePosixPath(path)
    parts = path.split("/")
    if (
        not path
        or pure.is_absolute()
        or "\\" in path
        or "\x00" in path
        or any(part in ("", ".", "..") for part in parts)
        or (len(path) > 1 and path[1] == ":")
    ):
        raise InvalidPath(
            f"artifact path {path!r} is not a clean relative path",
            "use relative paths without '..', '.', '\\\\' or a leading '/'",
        )
    return path


def collect_files(source: Path | Sequence[Path]) -> list[SourceFile]:
    """Every file to snapshot, sorted by artifact path; refuses anything unsafe, naming it.

    A folder gives the files under it, relative to it; a list gives each file by its name and
    each folder by its name plus the relative paths inside; a single file is stored by its name.
    """
    found: dict[str, SourceFile] = {}
    if isinstance(source, (str, os.PathLike)) and not Path(source).is_dir():
        source = [Path(source)]  # one file: stored under its name
    if isinstance(source, (str, os.PathLike)):
        root = Path(source).resolve()
        _walk(root, root, "", found, set())
    else:
        for item in source:
            item = Path(item)
            if not item.exists():
                raise InvalidPath(f"{item} does not exist", "check the path")
            name = item.resolve().name if item.name in ("", ".", "..") else item.name
            if item.is_dir():
                real = item.resolve()
                _walk(real, real, name, found, set())
            else:
                _add(found, name, item)
    return [found[path] for path in sorted(found)]


def _walk(
    root: Path, folder: Path, prefix: str, found: dict[str, SourceFile], seen: set[Path]
) -> None:
    real = folder.resolve()
    if real in seen:
        raise InvalidPath(f"{folder} links back into itself", "remove the symlink loop")
    seen = seen | {real}
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except PermissionError as error:
        raise UnreadableFile(f"cannot list folder {folder}: permission denied") from error
    for entry in entries:
        path = Path(entry.path)
        name = f"{prefix}/{entry.name}" if prefix else entry.name
        if entry.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(root):
                raise InvalidPath(
                    f"{path} is a symlink to {target}, outside the tree {root}",
                    "copy the target into the folder or remove the link",
                )
            if not target.exists():
                raise InvalidPath(f"{path} is a broken symlink", "fix or remove the link")
        if path.is_dir():
            _walk(root, path, name, found, seen)
        else:
            _add(found, name, path)


def _add(found: dict[str, SourceFile], name: str, path: Path) -> None:
    check_relative_path(name)
    if name in found:
        raise InvalidPath(f"two inputs would be stored as {name!r}", "rename one of them")
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        kind = (
            "a fifo"
            if stat.S_ISFIFO(info.st_mode)
            else "a socket"
            if stat.S_ISSOCK(info.st_mode)
            else "a device file"
        )
        raise UnsupportedFile(f"{path} is {kind}, not a regular file")
    if not os.access(path, os.R_OK):
        raise UnreadableFile(f"cannot read {path}: permission denied")
    found[name] = SourceFile(name, path, info.st_size, info.st_mode)
