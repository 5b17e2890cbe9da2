"""Settings, read from the environment in this one place.

Variables (see ``docs/settings.md`` for the full table):

- ``CAIRN_HOME``: the default registry folder (``~/.cairn``);
- ``CAIRN_REGISTRY``: the registry the CLI opens: a folder, a database URL or http(s)://;
- ``CAIRN_STORE``: the store URL for a database registry (``s3://bucket/prefix`` or a folder);
- ``CAIRN_USER``: the author of versions and events (else git ``user.name``, else the OS user);
- ``CAIRN_TOKEN``: the API token for a remote registry;
- ``CAIRN_DELETE_GRACE``: seconds between ``delete`` and the bytes going (7 days);
- ``CAIRN_MAX_UPLOAD_BYTES``: the server's upload limit (10 GiB);
- ``CAIRN_S3_ENDPOINT``: an S3-compatible endpoint URL (MinIO, moto); AWS when unset.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Settings", "load"]


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw else default


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    home: Path = field(default_factory=lambda: Path("~/.cairn").expanduser())
    registry: str | None = None
    store: str | None = None
    user: str | None = None
    token: str | None = None
    delete_grace_seconds: float = 7 * 24 * 3600.0
    max_upload_bytes: int = 10 * 1024**3
    s3_endpoint: str | None = None

    @property
    def default_registry(self) -> str:
        return self.registry or str(self.home)


def load() -> Settings:
    """Read the settings from the environment (call again after changing ``os.environ``)."""
    env = os.environ.get
    home = env("CAIRN_HOME")
    return Settings(
        home=Path(home).expanduser() if home else Path("~/.cairn").expanduser(),
        registry=env("CAIRN_REGISTRY") or None,
        store=env("CAIRN_STORE") or None,
        user=env("CAIRN_USER") or None,
        token=env("CAIRN_TOKEN") or None,
        delete_grace_seconds=_float("CAIRN_DELETE_GRACE", 7 * 24 * 3600.0),
        max_upload_bytes=_int("CAIRN_MAX_UPLOAD_BYTES", 10 * 1024**3),
        s3_endpoint=env("CAIRN_S3_ENDPOINT") or None,
    )
