"""Models: list, create, read, update, delete; and who holds which role on them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from cairn.catalog.records import ModelRecord, Page
from cairn.governance.roles import parse_role
from cairn.server.auth import Ctx
from cairn.server.responses import as_json, no_content

router = APIRouter(prefix="/api/v1", tags=["models"])

Name = Annotated[str, Field(min_length=1, max_length=128)]
PathName = Annotated[str, Path(min_length=1, max_length=128)]


class NewModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    description: str = Field("", max_length=100_000)
    owner: str | None = Field(None, max_length=255)
    tags: dict[str, str] = Field(default_factory=dict)


class ModelChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(None, max_length=100_000)
    owner: str | None = Field(None, max_length=255)
    tags: dict[str, str] | None = None


class RoleGrant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str = Field(max_length=32)


@router.get("/models", response_model=Page[ModelRecord])
def list_models(
    ctx: Ctx,
    filter: Annotated[str | None, Query(max_length=4000)] = None,
    order_by: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    page_token: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    ctx.authorize("self.read")
    page = ctx.reg.models(filter, order_by=order_by, limit=limit, page_token=page_token)
    if not ctx.principal.sees_everything():
        page = Page[ModelRecord](
            items=[m for m in page.items if ctx.may("model.read", m.name)],
            next_token=page.next_token,
        )
    return as_json(page)


@router.post("/models", response_model=ModelRecord, status_code=201)
def create_model(body: NewModel, ctx: Ctx) -> Response:
    ctx.authorize("model.create", body.name)
    record = ctx.reg.create_model(
        body.name, description=body.description, owner=body.owner, tags=body.tags
    )
    return as_json(record, 201)


@router.get("/models/{model}", response_model=ModelRecord)
def get_model(model: PathName, ctx: Ctx) -> Response:
    ctx.authorize("model.read", model)
    return as_json(ctx.reg.get_model(model))


@router.patch("/models/{model}", response_model=ModelRecord)
def update_model(model: PathName, body: ModelChange, ctx: Ctx) -> Response:
    ctx.authorize("model.update", model)
    record = ctx.reg.update_model(
        model, description=body.description, owner=body.owner, tags=body.tags
    )
    return as_json(record)


@router.delete("/models/{model}", status_code=204)
def delete_model(model: PathName, ctx: Ctx) -> Response:
    ctx.authorize("model.delete", model)
    ctx.reg.delete_model(model)
    return no_content()


@router.get("/models/{model}/permissions", response_model=dict[str, str])
def model_permissions(model: PathName, ctx: Ctx) -> dict[str, str]:
    ctx.authorize("model.read", model)
    return ctx.state.accounts.model_roles(model)


@router.put("/models/{model}/permissions/{user}", response_model=dict[str, str])
def grant_role(model: PathName, user: PathName, body: RoleGrant, ctx: Ctx) -> dict[str, str]:
    ctx.authorize("model.permissions", model)
    ctx.state.accounts.grant(user, model, parse_role(body.role))
    return ctx.state.accounts.model_roles(model)


@router.delete("/models/{model}/permissions/{user}", status_code=204)
def revoke_role(model: PathName, user: PathName, ctx: Ctx) -> Response:
    ctx.authorize("model.permissions", model)
    ctx.state.accounts.revoke_role(user, model)
    return no_content()
