"""Webhooks (admins): subscribe a URL to events, read the delivery log, replay."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from cairn.governance.webhooks import Delivery, WebhookInfo
from cairn.server.auth import Ctx
from cairn.server.responses import as_json, as_json_list, no_content

router = APIRouter(prefix="/api/v1", tags=["webhooks"])

HookId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class NewWebhook(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=2000)
    actions: list[str] = Field(default_factory=list, max_length=50, description="e.g. alias.*")
    model: str | None = Field(None, max_length=128)
    secret: str | None = Field(None, max_length=200, description="whsec_…; generated if absent")
    from_seq: int | None = Field(
        None, ge=1, le=2**62, description="also deliver events from this seq"
    )


class CreatedWebhook(BaseModel):
    secret: str = Field(description="shown once: verify signatures with it")
    webhook: WebhookInfo


class Replay(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_seq: int = Field(ge=1, le=2**62)


@router.get("/webhooks", response_model=list[WebhookInfo])
def list_webhooks(ctx: Ctx) -> Response:
    ctx.authorize("registry.admin")
    return as_json_list(ctx.state.webhooks.all())


@router.post("/webhooks", response_model=CreatedWebhook, status_code=201)
def create_webhook(body: NewWebhook, ctx: Ctx) -> Response:
    ctx.authorize("registry.admin")
    start = ctx.state.registry.catalog.last_seq() if body.from_seq is None else body.from_seq - 1
    info, secret = ctx.state.webhooks.create(
        body.url,
        actions=body.actions,
        model=body.model,
        created_by=ctx.principal.name,
        cursor=start,
        secret=body.secret,
    )
    if ctx.state.dispatcher is not None:
        ctx.state.dispatcher.wake()
    return as_json(CreatedWebhook(secret=secret, webhook=info), 201)


@router.get("/webhooks/{hook_id}", response_model=WebhookInfo)
def get_webhook(hook_id: HookId, ctx: Ctx) -> Response:
    ctx.authorize("registry.admin")
    return as_json(ctx.state.webhooks.get(hook_id))


@router.delete("/webhooks/{hook_id}", status_code=204)
def delete_webhook(hook_id: HookId, ctx: Ctx) -> Response:
    ctx.authorize("registry.admin")
    ctx.state.webhooks.delete(hook_id)
    return no_content()


@router.get("/webhooks/{hook_id}/deliveries", response_model=list[Delivery])
def deliveries(
    hook_id: HookId, ctx: Ctx, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> Response:
    ctx.authorize("registry.admin")
    return as_json_list(ctx.state.webhooks.deliveries(hook_id, limit=limit))


@router.post("/webhooks/{hook_id}/replay", response_model=WebhookInfo)
def replay(hook_id: HookId, body: Replay, ctx: Ctx) -> Response:
    """Deliver every matching event from ``from_seq`` on again (same webhook-id per event)."""
    ctx.authorize("registry.admin")
    info = ctx.state.webhooks.replay(hook_id, body.from_seq)
    if ctx.state.dispatcher is not None:
        ctx.state.dispatcher.wake()
    return as_json(info)
