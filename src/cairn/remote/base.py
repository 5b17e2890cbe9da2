"""What every part of :class:`~cairn.remote.RemoteRegistry` shares: the session to the
server, the local cache store, who acts, and resolving refs."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from cairn import settings as settings_module
from cairn.catalog.records import VersionRecord
from cairn.digest import hash_bytes
from cairn.errors import BadRef
from cairn.refs import Ref, parse_ref
from cairn.remote.credentials import saved_token
from cairn.remote.http import Session
from cairn.store import Store, open_store

__all__ = ["RemoteBase"]


class RemoteBase:
    """A registry behind ``cairn server``; get one with ``cairn.open("http://host:port")``."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        client: httpx.Client | None = None,
        cache: str | Path | None = None,
        timeout: float = 120.0,
    ) -> None:
        self.settings = settings_module.load()
        self.url = url.rstrip("/")
        if token is None:
            token = saved_token(self.settings.home, self.url)
        self.session = Session(
            self.url, token=token, actor=self.settings.user, client=client, timeout=timeout
        )
        key = hash_bytes(self.url.encode())[7:23]
        self._cache_dir = Path(cache) if cache else self.settings.home / "cache" / "remote" / key
        self._cache: Store | None = None
        self._actor: str | None = None
        self._uploaded: set[str] = set()  # artifacts this client put on the server

    @property
    def cache(self) -> Store:
        """The local store downloads land in (and uploads are chunked through)."""
        if self._cache is None:
            self._cache = open_store(self._cache_dir)
        return self._cache

    def close(self) -> None:
        self.session.close()
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RemoteRegistry({self.url!r})"

    @property
    def actor(self) -> str:
        """Who the server records as acting: the token's user."""
        if self._actor is None:
            self._actor = str(self.session.json("GET", "/api/v1/whoami")["name"])
        return self._actor

    def _get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.session.json("GET", path, params=clean)

    def _raw(self, path: str, **params: Any) -> bytes:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.session.raw("GET", path, params=clean)

    def resolve(self, ref: str | Ref) -> VersionRecord:
        return VersionRecord.model_validate_json(self._raw("/api/v1/resolve", ref=str(ref)))

    def _alias_ref(self, ref: str) -> Ref:
        parsed = parse_ref(ref)
        if parsed.kind != "alias":
            raise BadRef(f"{ref!r} does not name an alias", "use name@alias, e.g. fraud@production")
        return parsed

    def _alias_path(self, parsed: Ref) -> str:
        return f"/api/v1/models/{quote(parsed.model)}/aliases/{quote(parsed.value)}"
