"""Versions: register from an uploaded artifact, list, read, change, archive, delete, adopt."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from cairn.catalog.records import Dataset, GitInfo, Page, ParamValue, VersionRecord
from cairn.errors import InvalidInput
from cairn.refs import parse_ref
from cairn.server.auth import Ctx
from cairn.server.responses import as_json, as_json_list

router = APIRouter(prefix="/api/v1", tags=["versions"])

Name = Annotated[str, Field(min_length=1, max_length=128)]
PathName = Annotated[str, Path(min_length=1, max_length=128)]
Number = Annotated[int, Path(ge=1, le=2**31 - 1)]
Text = Annotated[str, Query(max_length=4000)]


class NewVersion(BaseModel):
    """A version of an artifact already uploaded (``PUT /api/v1/manifests``)."""

    model_config = ConfigDict(extra="forbid")

    digest: str = Field(max_length=80)
    params: dict[str, ParamValue] = Field(default_factory=dict)
    metrics: dict[str, float] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    description: str = Field("", max_length=100_000)
    parents: list[str] = Field(default_factory=list, max_length=1000)
    datasets: list[Dataset] = Field(default_factory=list, max_length=1000)
    flavor: str | None = Field(None, max_length=64)
    meta: dict[str, Any] = Field(default_factory=dict)
    unique: bool = False
    git: GitInfo | None = None


class VersionChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(None, max_length=100_000)
    tags: dict[str, str] | None = None
    remove_tags: list[str] = Field(default_factory=list, max_length=1000)


@router.get("/models/{model}/versions", response_model=Page[VersionRecord])
def list_versions(
    model: PathName,
    ctx: Ctx,
    filter: Text | None = None,
    order_by: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    page_token: Annotated[str | None, Query(max_length=2000)] = None,
    include_deleted: bool = False,
) -> Response:
    ctx.authorize("version.read", model)
    page = ctx.reg.versions(
        model,
        filter=filter,
        order_by=order_by,
        limit=limit,
        page_token=page_token,
        include_deleted=include_deleted,
    )
    return as_json(page)


@router.post("/models/{model}/versions", response_model=VersionRecord, status_code=201)
def register_version(model: PathName, body: NewVersion, ctx: Ctx) -> Response:
    ctx.authorize("version.create", model)
    record = ctx.reg.register(
        body.digest,
        model=model,
        params=body.params,
        metrics=body.metrics,
        tags=body.tags,
        description=body.description,
        parents=body.parents,
        datasets=body.datasets,
        flavor=body.flavor,
        meta=body.meta,
        unique=body.unique,
        git=body.git,
    )
    return as_json(record, 201)


@router.post("/models/{model}/adopt", response_model=VersionRecord, status_code=201)
def adopt_version(model: PathName, body: VersionRecord, ctx: Ctx) -> Response:
    """Record a version pushed from another registry (its artifact uploaded first)."""
    ctx.authorize("version.create", model)
    if body.model != model:
        raise InvalidInput(f"the version is of {body.model}, not {model}")
    ctx.reg.store.snapshot(body.digest)  # NotFound unless its manifest was uploaded
    return as_json(ctx.reg.adopt(body), 201)


@router.get("/resolve", response_model=VersionRecord)
async def resolve(ref: Annotated[str, Query(min_length=1, max_length=300)], ctx: Ctx) -> Response:
    """The version a ref names. An indexed lookup, answered on the event loop (no thread hop)."""
    ctx.authorize("version.read", parse_ref(ref).model)
    return as_json(ctx.reg.resolve(ref))


@router.get("/models/{model}/versions/{number}", response_model=VersionRecord)
async def get_version(model: PathName, number: Number, ctx: Ctx) -> Response:
    ctx.authorize("version.read", model)
    return as_json(ctx.reg.resolve(f"{model}/{number}"))


@router.get("/models/{model}/versions/{number}/duplicates", response_model=list[VersionRecord])
def duplicates(model: PathName, number: Number, ctx: Ctx) -> Response:
    ctx.authorize("version.read", model)
    reg = ctx.reg
    found = reg.duplicates(reg.resolve(f"{model}/{number}"))
    return as_json_list([v for v in found if ctx.may("version.read", v.model)])


@router.patch("/models/{model}/versions/{number}", response_model=VersionRecord)
def update_version(model: PathName, number: Number, body: VersionChange, ctx: Ctx) -> Response:
    ctx.authorize("version.update", model)
    record = ctx.reg.update_version(
        f"{model}/{number}",
        description=body.description,
        tags=body.tags,
        remove_tags=body.remove_tags,
    )
    return as_json(record)


@router.post("/models/{model}/versions/{number}/archive", response_model=VersionRecord)
def archive_version(model: PathName, number: Number, ctx: Ctx) -> Response:
    ctx.authorize("version.lifecycle", model)
    return as_json(ctx.reg.archive(f"{model}/{number}"))


@router.post("/models/{model}/versions/{number}/restore", response_model=VersionRecord)
def restore_version(model: PathName, number: Number, ctx: Ctx) -> Response:
    ctx.authorize("version.lifecycle", model)
    return as_json(ctx.reg.restore(f"{model}/{number}"))


@router.delete("/models/{model}/versions/{number}", response_model=VersionRecord)
def delete_version(model: PathName, number: Number, ctx: Ctx) -> Response:
    ctx.authorize("version.lifecycle", model)
    return as_json(ctx.reg.delete(f"{model}/{number}"))
