"""One pure-ASGI middleware: request ids, JSON access logs, body size limits and timeouts."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cairn.errors import ArtifactTooLarge

__all__ = ["RequestGuard", "configure_json_logging"]

log = logging.getLogger("cairn.server.access")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_UPLOAD_PATHS = ("/api/v1/chunks", "/api/v1/manifests")
_JSON_LIMIT = 4 * 1024 * 1024


class _TooLarge(ArtifactTooLarge):
    """Raised from ``receive``; the app's error handler turns it into a 413 answer."""


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            entry.update(extra)
        if record.exc_info and record.levelno >= logging.ERROR:
            entry["error"] = self.formatException(record.exc_info)[-2000:]
        return json.dumps(entry, default=str)


def configure_json_logging(level: int = logging.INFO) -> None:
    """Structured logs on stderr for ``cairn server``: one JSON object per line."""
    handler = logging.StreamHandler()
    handler.setFormatter(_JsonFormatter())
    for name in ("cairn", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False


async def _send_json(send: Send, status: int, body: dict[str, str], rid: str) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                (b"x-request-id", rid.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


class RequestGuard:
    """Give each request an id (``X-Request-ID``, echoed back), log it as JSON, refuse bodies
    over the limit with 413 and requests slower than the timeout with 503."""

    def __init__(self, app: ASGIApp, *, max_upload: int, timeout: float) -> None:
        self.app = app
        self.max_upload = max_upload
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope["headers"])
        offered = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = offered if _REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = rid
        path: str = scope["path"]
        limit = self.max_upload if path.startswith(_UPLOAD_PATHS) else _JSON_LIMIT
        status = {"code": 0}
        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            await _send_json(send, 413, _too_large(limit), rid)
            self._log(scope, rid, 413, started)
            return
        seen = {"bytes": 0, "started": False}

        async def limited_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen["bytes"] += len(message.get("body", b""))
                if seen["bytes"] > limit:
                    body = _too_large(limit)
                    raise _TooLarge(body["message"], body["hint"])
            return message

        async def tagged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["started"] = True
                status["code"] = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", rid.encode()),
                    (b"x-content-type-options", b"nosniff"),
                ]
            await send(message)

        streaming = path.endswith("/stream")
        try:
            if streaming:
                await self.app(scope, limited_receive, tagged_send)
            else:
                with anyio.fail_after(self.timeout):
                    await self.app(scope, limited_receive, tagged_send)
        except _TooLarge:
            if not seen["started"]:
                await _send_json(send, 413, _too_large(limit), rid)
                status["code"] = 413
        except TimeoutError:
            if not seen["started"]:
                body = {
                    "code": "timeout",
                    "message": f"the request took longer than {self.timeout:g} s",
                    "hint": "retry, or raise CAIRN_REQUEST_TIMEOUT on the server",
                }
                await _send_json(send, 503, body, rid)
                status["code"] = 503
        self._log(scope, rid, status["code"], started)

    def _log(self, scope: Scope, rid: str, status: int, started: float) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        state = scope.get("state", {})
        fields = {
            "request_id": rid,
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 2),
            "actor": state.get("actor"),
            "client": (scope.get("client") or ("?",))[0],
        }
        log.info("request", extra={"fields": fields})


def _too_large(limit: int) -> dict[str, str]:
    return {
        "code": "too_large",
        "message": f"the request body is over the limit of {limit} bytes",
        "hint": "send smaller batches, or raise CAIRN_MAX_REQUEST_BYTES on the server",
    }
