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

The registry server (``cairn server``, see ``docs/server.md``):

- ``CAIRN_SERVER_REGISTRY``: the registry the server opens (else ``CAIRN_REGISTRY``/home);
- ``CAIRN_AUTH``: ``off`` disables authentication (local demos only; on by default);
- ``CAIRN_SERVER_SECRET``: the key tokens are hashed with (else a 0600 file under home);
- ``CAIRN_MAX_REQUEST_BYTES``: the largest request body the server reads (64 MiB);
- ``CAIRN_REQUEST_TIMEOUT``: seconds a request may take before the server answers 503 (120);
- ``CAIRN_CORS_ORIGINS``: comma-separated origins allowed by CORS (none: CORS off);
- ``CAIRN_TOKEN_DAYS``: default lifetime of a new token in days (90);
- ``CAIRN_LOGIN_ATTEMPTS``: failed logins per user and address per 5 minutes (5);
- ``CAIRN_WEBHOOK_POLL``, ``CAIRN_WEBHOOK_BACKOFF``, ``CAIRN_WEBHOOK_ATTEMPTS``,
  ``CAIRN_WEBHOOK_TIMEOUT``: webhook outbox poll interval, first retry delay (doubling),
  attempts before giving up, and delivery timeout;
- ``CAIRN_LOG_FORMAT``: ``json`` for one JSON object per log line (``cairn server`` sets it).
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
    server_registry: str | None = None
    auth: bool = True
    server_secret: str | None = None
    max_request_bytes: int = 64 * 1024**2
    request_timeout_seconds: float = 120.0
    cors_origins: tuple[str, ...] = ()
    token_days: float = 90.0
    login_attempts: int = 5
    webhook_poll_seconds: float = 1.0
    webhook_backoff_seconds: float = 1.0
    webhook_attempts: int = 8
    webhook_timeout_seconds: float = 10.0
    log_format: str = "text"

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
        server_registry=env("CAIRN_SERVER_REGISTRY") or None,
        auth=(env("CAIRN_AUTH") or "on").strip().lower() not in {"off", "0", "false", "no"},
        server_secret=env("CAIRN_SERVER_SECRET") or None,
        max_request_bytes=_int("CAIRN_MAX_REQUEST_BYTES", 64 * 1024**2),
        request_timeout_seconds=_float("CAIRN_REQUEST_TIMEOUT", 120.0),
        cors_origins=tuple(
            o.strip() for o in (env("CAIRN_CORS_ORIGINS") or "").split(",") if o.strip()
        ),
        token_days=_float("CAIRN_TOKEN_DAYS", 90.0),
        login_attempts=_int("CAIRN_LOGIN_ATTEMPTS", 5),
        webhook_poll_seconds=_float("CAIRN_WEBHOOK_POLL", 1.0),
        webhook_backoff_seconds=_float("CAIRN_WEBHOOK_BACKOFF", 1.0),
        webhook_attempts=_int("CAIRN_WEBHOOK_ATTEMPTS", 8),
        webhook_timeout_seconds=_float("CAIRN_WEBHOOK_TIMEOUT", 10.0),
        log_format=(env("CAIRN_LOG_FORMAT") or "text").strip().lower(),
    )
