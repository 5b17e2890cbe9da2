"""The git commit, branch and dirty flag of the code that logs a version.

Commit and branch are read from ``.git`` directly (no subprocess, so logging stays fast); the
dirty flag needs ``git status``, whose answer is reused for two seconds per repository so a
loop that logs many versions does not pay for it each time. Where the repository is (the walk
up from the working directory) and its origin URL are reused for two seconds too; HEAD and the
commit it names are read every time.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from cairn.catalog.records import GitInfo

__all__ = ["git_info", "git_user"]

T = TypeVar("T")
_TTL = 2.0
_cache: dict[tuple[str, str], tuple[float, Any]] = {}


def _for_two_seconds(kind: str, key: str, compute: Callable[[], T]) -> T:
    """``compute()``, reused for ``_TTL`` seconds per (kind, key)."""
    now = time.monotonic()
    cached = _cache.get((kind, key))
    if cached and now - cached[0] < _TTL:
        return cast(T, cached[1])
    value = compute()
    _cache[(kind, key)] = (now, value)
    return value


def _git(cwd: Path, *args: str) -> str | None:
    exe = shutil.which("git")
    if exe is None:
        return None
    try:
        done = subprocess.run(
            [exe, *args], cwd=cwd, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _git_dir(start: Path) -> tuple[Path, Path] | None:
    """(work tree, git dir) of the repository containing ``start``."""
    for folder in (start, *start.parents):
        dot = folder / ".git"
        if dot.is_dir():
            return folder, dot
        if dot.is_file():  # a worktree or submodule: "gitdir: <path>"
            text = dot.read_text().strip()
            if text.startswith("gitdir:"):
                target = Path(text.removeprefix("gitdir:").strip())
                return folder, target if target.is_absolute() else folder / target
    return None


def _common_dir(git_dir: Path) -> Path:
    common = git_dir / "commondir"
    if common.is_file():
        return (git_dir / common.read_text().strip()).resolve()
    return git_dir


def _read_ref(git_dir: Path, common_dir: Path, ref: str) -> str | None:
    for base in (git_dir, common_dir):
        loose = base / ref
        if loose.is_file():
            return loose.read_text().strip() or None
        packed = base / "packed-refs"
        if packed.is_file():
            for line in packed.read_text().splitlines():
                parts = line.split(" ", 1)
                if len(parts) == 2 and parts[1] == ref:
                    return parts[0]
    return None


def _dirty(work_tree: Path) -> bool:
    return _for_two_seconds(
        "dirty",
        str(work_tree),
        lambda: bool(_git(work_tree, "status", "--porcelain", "--untracked-files=no")),
    )


@dataclass(frozen=True, slots=True)
class _Repository:
    work_tree: Path
    git_dir: Path
    common_dir: Path
    remote: str | None


def _find_repository(folder: Path) -> _Repository | None:
    found = _git_dir(folder.resolve())
    if found is None:
        return None
    common = _common_dir(found[1])
    return _Repository(found[0], found[1], common, _remote(common))


def _repository(cwd: Path | None) -> _Repository | None:
    folder = Path.cwd() if cwd is None else cwd
    return _for_two_seconds("repository", str(folder), lambda: _find_repository(folder))


def git_info(cwd: Path | None = None) -> GitInfo | None:
    """The repository state at ``cwd`` (default: the working directory), or None if not a repo."""
    repo = _repository(cwd)
    if repo is None:
        return None
    try:
        head = (repo.git_dir / "HEAD").read_text().strip()
    except OSError:
        return None
    branch: str | None = None
    if head.startswith("ref:"):
        ref = head.removeprefix("ref:").strip()
        branch = ref.removeprefix("refs/heads/")
        commit = _read_ref(repo.git_dir, repo.common_dir, ref)
    else:
        commit = head
    if not commit:
        return None  # a repository with no commits yet
    return GitInfo(commit=commit, branch=branch, dirty=_dirty(repo.work_tree), remote=repo.remote)


def _remote(common_dir: Path) -> str | None:
    config = common_dir / "config"
    if not config.is_file():
        return None
    section = ""
    for raw in config.read_text().splitlines():
        line = raw.strip()
        if line.startswith("["):
            section = line
        elif section == '[remote "origin"]' and line.startswith("url"):
            return line.split("=", 1)[1].strip()
    return None


def git_user(cwd: Path | None = None) -> str | None:
    """``git config user.name``, or None."""
    return _git(cwd or Path.cwd(), "config", "user.name") or None
