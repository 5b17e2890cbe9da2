"""The HTTP session of a remote registry: auth header, errors mapped back to cairn errors."""

from __future__ import annotations

import getpass
from typing import Any

import httpx

from cairn import __version__
from cairn.errors import CairnError, RemoteError, from_code

__all__ = ["Session", "error_from"]


def error_from(answer: httpx.Response) -> CairnError:
    """The cairn error a server answered with (same class as on the server)."""
    try:
        body = answer.json()
        return from_code(str(body["code"]), str(body["message"]), body.get("hint"))
    except (ValueError, KeyError, TypeError):
        return RemoteError(
            f"{answer.request.method} {answer.request.url.path} answered HTTP "
            f"{answer.status_code}: {answer.text[:200]!r}"
        )


class Session:
    """One keep-alive connection pool to the server, with the token on every request."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None,
        actor: str | None = None,
        client: httpx.Client | None = None,
        timeout: float = 120.0,
    ) -> None:
        self.url = url.rstrip("/")
        headers = {"User-Agent": f"cairn/{__version__}"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        # Only a server running with --no-auth believes this header; others use the token.
        headers["X-Cairn-Actor"] = actor or getpass.getuser()
        if client is None:
            client = httpx.Client(
                base_url=self.url,
                timeout=httpx.Timeout(timeout, connect=10.0),
                limits=httpx.Limits(max_keepalive_connections=8),
            )
        client.headers.update(headers)
        self.client = client

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            answer = self.client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise RemoteError(f"cannot reach {self.url}: {exc}") from exc
        if answer.status_code >= 400:
            raise error_from(answer)
        return answer

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.request(method, path, **kwargs).json()

    def close(self) -> None:
        self.client.close()
