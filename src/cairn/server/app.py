"""The registry server: ``create_app()`` builds the FastAPI application.

``cairn server`` runs it under uvicorn as ``cairn.server.app:create_app`` (factory), one
worker (which keeps TCP_NODELAY on). Configuration comes from :mod:`cairn.settings`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from cairn import __version__
from cairn import settings as settings_module
from cairn.errors import InvalidInput
from cairn.governance.accounts import Accounts
from cairn.governance.ratelimit import LoginLimiter
from cairn.governance.tokens import server_secret
from cairn.governance.webhooks import Webhooks
from cairn.registry import Registry, open_registry
from cairn.server import ui
from cairn.server.dispatch import Dispatcher
from cairn.server.errors import install_error_handlers
from cairn.server.middleware import RequestGuard, configure_json_logging
from cairn.server.routes import (
    accounts,
    admin,
    aliases,
    events,
    models,
    query,
    transfer,
    versions,
    webhooks,
)
from cairn.server.state import ServerState

__all__ = ["create_app"]

log = logging.getLogger("cairn.server")


def _open(settings: settings_module.Settings) -> Registry:
    uri = settings.server_registry or settings.default_registry
    reg = open_registry(uri)
    if not isinstance(reg, Registry):
        reg.close()
        raise InvalidInput(
            f"a server cannot serve another server ({uri})", "give a folder or DB URL"
        )
    return reg


def create_app(
    registry: Registry | None = None,
    *,
    settings: settings_module.Settings | None = None,
    webhooks_enabled: bool = True,
) -> FastAPI:
    """The application over ``registry`` (default: the one the settings name)."""
    settings = settings or settings_module.load()
    if settings.log_format == "json":
        configure_json_logging()
    owned = registry is None
    reg = registry if registry is not None else _open(settings)
    engine = reg.catalog.engine
    state = ServerState(
        registry=reg,
        settings=settings,
        accounts=Accounts(engine, server_secret(settings.server_secret, settings.home)),
        webhooks=Webhooks(engine),
        limiter=LoginLimiter(settings.login_attempts),
        auth=settings.auth,
    )
    if webhooks_enabled:
        state.dispatcher = Dispatcher(reg.catalog, state.webhooks, settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if not state.auth:
            log.warning("AUTHENTICATION IS OFF: anyone who can reach this server is an admin")
        if state.dispatcher is not None:
            state.dispatcher.start()
        try:
            yield
        finally:
            if state.dispatcher is not None:
                state.dispatcher.stop()
            if owned:
                reg.close()

    app = FastAPI(
        title="cairn registry",
        version=__version__,
        description="Git for ML models: versions, aliases, chunk transfer, events, webhooks.",
        lifespan=lifespan,
    )
    app.state.cairn = state
    install_error_handlers(app)
    for module in (models, versions, aliases, query, events, transfer, accounts, webhooks, admin):
        app.include_router(module.router)
    app.include_router(ui.router)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    async def readyz() -> JSONResponse:
        """The catalog answers: the server can take requests."""
        try:
            seq = await run_in_threadpool(reg.catalog.last_seq)
        except Exception:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ready", "last_event": seq})

    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID", "Last-Event-ID"],
        )
    app.add_middleware(
        RequestGuard,
        max_upload=settings.max_request_bytes,
        timeout=settings.request_timeout_seconds,
    )
    return app
