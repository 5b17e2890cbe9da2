"""uvicorn's HTTP protocol with ``TCP_NODELAY`` set on every connection.

With several workers uvicorn hands each worker an inherited listening socket, and accepted
connections may keep Nagle's algorithm on: a keep-alive response then waits for the client's
delayed ACK (~40 ms a request). ``cairn serve`` passes this class to uvicorn by import string
(``http="cairn.serving.transport:NoDelayProtocol"``) so every connection is set explicitly.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
except ImportError:  # pragma: no cover - httptools is optional
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Base  # type: ignore[assignment]

__all__ = ["NoDelayProtocol"]


class NoDelayProtocol(_Base):
    def connection_made(self, transport: Any) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError, AttributeError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
