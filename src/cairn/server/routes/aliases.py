"""Aliases: compare-and-set moves, removal, history, time travel and rollback."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from cairn.catalog import ANY
from cairn.catalog.records import AliasMove
from cairn.server.auth import Ctx
from cairn.server.responses import as_json, as_json_list

router = APIRouter(prefix="/api/v1", tags=["aliases"])

Name = Annotated[str, Field(min_length=1, max_length=128)]
PathName = Annotated[str, Path(min_length=1, max_length=128)]
Alias = Annotated[str, Path(min_length=1, max_length=64)]
VersionNumber = Annotated[int, Field(ge=0, le=2**31 - 1)]
Expected = VersionNumber | None | Literal["any"]


def _expected(value: Expected) -> Any:
    return ANY if value == "any" else value


class AliasSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: VersionNumber | Annotated[str, Field(max_length=300)] = Field(
        description="a number, or a ref of the same model"
    )
    expected: Expected = Field("any", description="compare-and-set: the version seen, or null")
    reason: str | None = Field(None, max_length=2000)


class AliasDelete(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected: Expected = "any"
    reason: str | None = Field(None, max_length=2000)


class Rollback(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str | None = Field(None, max_length=300)
    reason: str | None = Field(None, max_length=2000)


class AliasAt(BaseModel):
    version: int | None


@router.get("/models/{model}/aliases", response_model=dict[str, int])
def list_aliases(model: PathName, ctx: Ctx) -> dict[str, int]:
    ctx.authorize("alias.read", model)
    return ctx.reg.aliases(model)


@router.put("/models/{model}/aliases/{alias}", response_model=AliasMove)
def set_alias(model: PathName, alias: Alias, body: AliasSet, ctx: Ctx) -> Response:
    ctx.authorize("alias.write", model)
    version = body.version
    if isinstance(version, str) and version.isdigit():
        version = int(version)
    move = ctx.reg.set_alias(
        model, alias, version, expected=_expected(body.expected), reason=body.reason
    )
    return as_json(move)


@router.post("/models/{model}/aliases/{alias}/delete", response_model=AliasMove)
def delete_alias(model: PathName, alias: Alias, body: AliasDelete, ctx: Ctx) -> Response:
    ctx.authorize("alias.write", model)
    move = ctx.reg.delete_alias(
        f"{model}@{alias}", expected=_expected(body.expected), reason=body.reason
    )
    return as_json(move)


@router.get("/models/{model}/aliases/{alias}/history", response_model=list[AliasMove])
def alias_history(model: PathName, alias: Alias, ctx: Ctx) -> Response:
    ctx.authorize("alias.read", model)
    return as_json_list(ctx.reg.alias_history(f"{model}@{alias}"))


@router.get("/models/{model}/aliases/{alias}/at", response_model=AliasAt)
def alias_at(model: PathName, alias: Alias, time: datetime, ctx: Ctx) -> AliasAt:
    ctx.authorize("alias.read", model)
    return AliasAt(version=ctx.reg.alias_at(f"{model}@{alias}", time))


@router.post("/models/{model}/aliases/{alias}/rollback", response_model=AliasMove)
def rollback(model: PathName, alias: Alias, body: Rollback, ctx: Ctx) -> Response:
    ctx.authorize("alias.write", model)
    return as_json(ctx.reg.rollback(f"{model}@{alias}", to=body.to, reason=body.reason))
