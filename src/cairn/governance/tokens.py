"""API tokens: random, prefixed, shown once, stored only as a keyed hash (HMAC-SHA256)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

__all__ = ["TOKEN_PREFIX", "hash_token", "looks_like_token", "new_token", "server_secret"]

TOKEN_PREFIX = "cairn_pat_"  # noqa: S105 (a prefix, not a secret)


def new_token() -> str:
    """A new token: ``cairn_pat_`` and 43 URL-safe characters (256 random bits)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def looks_like_token(text: str) -> bool:
    return text.startswith(TOKEN_PREFIX) and 20 <= len(text) <= 200


def hash_token(secret: bytes, token: str) -> str:
    """What the database keeps: HMAC-SHA256 of the token under the server's secret."""
    return hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()


def server_secret(configured: str | None, home: Path) -> bytes:
    """The key tokens are hashed with: ``CAIRN_SERVER_SECRET``, else a 0600 file under home
    created on first use (servers sharing a catalog must share the secret)."""
    if configured:
        return configured.encode()
    path = home / "server-secret"
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    home.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as out:
        out.write(value)
    return value
