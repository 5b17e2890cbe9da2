"""The ASGI application of ``cairn serve``: ``create_app()`` is uvicorn's factory.

Start-up returns at once: the server is *live* immediately and loads its versions in the
background; it is *ready* (``/v2/health/ready``, ``/ping``) when every served ref's current
version is loaded and warmed. Shutdown (SIGTERM: uvicorn stops accepting and finishes the
requests in flight first) stops following aliases, records shadow evidence and flushes the
prediction log.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.serving import feedback
from cairn.serving.config import ServeConfig, load_config
from cairn.serving.http import json_response
from cairn.serving.metrics import CONTENT_TYPE
from cairn.serving.protocols import mlflow, oip_v2, plain
from cairn.serving.service import Service

__all__ = ["build_app", "create_app"]

log = logging.getLogger("cairn.serving")


def _status(service: Service) -> dict[str, Any]:
    slots = []
    for slot in service.router.all_slots():
        cur = slot.current
        slots.append(
            {
                "ref": slot.ref,
                "role": slot.role,
                "model": slot.model,
                "target_version": slot.target,
                "serving_version": None if cur is None else cur.number,
                "ready": slot.ready,
                "reason": slot.why_not_ready(),
                "failed_versions": {str(k): v for k, v in slot.failed.items()},
                "in_flight": 0 if cur is None else cur.in_flight,
            }
        )
    plog = service.log
    return {
        "ready": not service.not_ready(),
        "slots": slots,
        "batching": None
        if service.config.batch is None
        else {
            "max_size": service.config.batch.max_size,
            "max_wait_ms": service.config.batch.max_wait_ms,
        },
        "prediction_log": None
        if plog is None
        else {"dir": str(plog.root), "written": plog.written, "dropped": plog.dropped},
    }


def build_app(config: ServeConfig, registry: Any = None) -> Starlette:
    """The app for ``config`` (``registry``: an open registry, else ``config.registry``)."""

    if registry is None:
        from cairn.registry import open_registry

        registry = open_registry(config.registry, create=False)
    service = Service(config, registry)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()
            log.info("cairn: stopped; prediction log flushed")

    async def metrics(request: Request) -> Response:
        return Response(service.metrics.render(), media_type=CONTENT_TYPE)

    async def status(request: Request) -> Response:
        return json_response(_status(service))

    async def shadow(request: Request) -> Response:
        return json_response({"shadows": [s.stats() for s in service.shadows.values()]})

    routes: list[Route] = [
        *oip_v2.routes(service),
        *mlflow.routes(service),
        *plain.routes(service),
        *feedback.routes(service),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/cairn/status", status, methods=["GET"]),
        Route("/cairn/shadow", shadow, methods=["GET"]),
    ]

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("cairn: unexpected error on %s %s", request.method, request.url.path)
        return json_response({"error": f"internal error: {type(exc).__name__}: {exc}"}, 500)

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={Exception: unexpected})
    app.state.service = service
    return app


def create_app() -> Starlette:
    """uvicorn factory: the configuration comes from ``CAIRN_SERVE_CONFIG`` (set by the CLI)."""
    if not logging.getLogger().handlers and not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    return build_app(load_config())
