"""Tokens saved by ``cairn login``: one JSON file under ``$CAIRN_HOME``, readable only by you."""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["credentials_path", "forget_token", "save_token", "saved_token"]


def credentials_path(home: Path) -> Path:
    return home / "credentials.json"


def _read(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write(path: Path, data: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(data, out, indent=2)
    tmp.chmod(0o600)
    tmp.replace(path)


def saved_token(home: Path, url: str) -> str | None:
    return _read(credentials_path(home)).get(url.rstrip("/"))


def save_token(home: Path, url: str, token: str) -> Path:
    path = credentials_path(home)
    data = _read(path)
    data[url.rstrip("/")] = token
    _write(path, data)
    return path


def forget_token(home: Path, url: str) -> bool:
    path = credentials_path(home)
    data = _read(path)
    found = data.pop(url.rstrip("/"), None) is not None
    if found:
        _write(path, data)
    return found
