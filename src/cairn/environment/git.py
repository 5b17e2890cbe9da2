"""The git commit, branch and dirty flag of the code that logs a version."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from cairn.catalog.records import GitInfo

__all__ = ["git_info", "git_user"]


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


def git_info(cwd: Path | None = None) -> GitInfo | None:
    """The repository state at ``cwd`` (default: the working directory), or None if not a repo."""
    where = cwd or Path.cwd()
    commit = _git(where, "rev-parse", "HEAD")
    if not commit:
        return None
    branch = _git(where, "rev-parse", "--abbrev-ref", "HEAD")
    status = _git(where, "status", "--porcelain", "--untracked-files=no")
    remote = _git(where, "config", "--get", "remote.origin.url")
    return GitInfo(
        commit=commit,
        branch=None if branch in (None, "HEAD") else branch,
        dirty=bool(status),
        remote=remote or None,
    )


def git_user(cwd: Path | None = None) -> str | None:
    """``git config user.name``, or None."""
    return _git(cwd or Path.cwd(), "config", "user.name") or None
