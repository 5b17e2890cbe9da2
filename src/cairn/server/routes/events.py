"""The audit log: list events, follow them live (server-sent events), verify the chain."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from cairn.catalog.records import AuditReport, Event
from cairn.errors import CairnError
from cairn.governance.webhooks import event_model
from cairn.server.auth import Context, Ctx, principal_of
from cairn.server.responses import as_json, as_json_list

router = APIRouter(prefix="/api/v1", tags=["events"])

Filter = Annotated[str | None, Query(max_length=200)]
_KEEPALIVE_SECONDS = 15.0
_POLL_SECONDS = 0.2
_RECHECK_SECONDS = 5.0


def _visible(ctx: Context, events: list[Event]) -> list[Event]:
    if ctx.principal.sees_everything():
        return events
    return [e for e in events if ctx.may("event.read", event_model(e.subject))]


def _read_events(
    ctx: Context,
    after: int,
    limit: int,
    subject: str | None,
    action: str | None,
    model: str | None,
) -> list[Event]:
    if model is not None:
        ctx.authorize("event.read", model)
    else:
        ctx.authorize("self.read")
    found = ctx.state.registry.catalog.events(
        after=after, limit=limit, subject=subject, action=action, model=model
    )
    return _visible(ctx, found)


@router.get("/events", response_model=list[Event])
def list_events(
    ctx: Ctx,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    subject: Filter = None,
    action: Filter = None,
    model: Filter = None,
) -> Response:
    """Events with ``seq > after``, oldest first (``action`` may end in ``.*``)."""
    return as_json_list(_read_events(ctx, after, limit, subject, action, model))


def _frame(event: Event) -> bytes:
    data = event.model_dump_json()
    return f"id: {event.seq}\nevent: {event.action}\ndata: {data}\n\n".encode()


@router.get("/events/stream", response_class=StreamingResponse)
async def stream_events(
    request: Request,
    ctx: Ctx,
    after: Annotated[int | None, Query(ge=0, le=2**62)] = None,
    action: Filter = None,
    model: Filter = None,
    last_event_id: Annotated[str | None, Header(max_length=30)] = None,
) -> StreamingResponse:
    """Server-sent events, one per audit event, from ``seq > after`` (or ``Last-Event-ID``;
    neither: from now on). Reconnecting with ``Last-Event-ID`` loses nothing."""
    start = after
    if last_event_id is not None and last_event_id.strip().isdigit():
        start = int(last_event_id.strip())
    if start is None:
        start = await run_in_threadpool(ctx.state.registry.catalog.last_seq)
    await run_in_threadpool(_read_events, ctx, start, 1, None, action, model)  # authorize now

    async def frames() -> AsyncIterator[bytes]:
        cursor = start
        idle = 0.0
        checked = time.monotonic()
        yield f"retry: 1000\n: following events after {cursor}\n\n".encode()
        while not await request.is_disconnected():
            if time.monotonic() - checked > _RECHECK_SECONDS:
                checked = time.monotonic()
                try:  # a token revoked or expired while the stream is open ends it
                    await run_in_threadpool(principal_of, request)
                except CairnError:
                    return
            batch = await run_in_threadpool(
                ctx.state.registry.catalog.events,
                after=cursor,
                limit=500,
                subject=None,
                action=action,
                model=model,
            )
            if batch:
                cursor = batch[-1].seq
                for event in _visible(ctx, batch):
                    yield _frame(event)
                idle = 0.0
                continue
            await asyncio.sleep(_POLL_SECONDS)
            idle += _POLL_SECONDS
            if idle >= _KEEPALIVE_SECONDS:
                idle = 0.0
                yield b": keep-alive\n\n"

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(frames(), media_type="text/event-stream", headers=headers)


@router.get("/audit/verify", response_model=AuditReport)
def verify_audit(ctx: Ctx) -> Response:
    ctx.authorize("audit.verify")
    return as_json(ctx.reg.verify_audit())
