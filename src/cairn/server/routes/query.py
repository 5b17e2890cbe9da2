"""Search across models, diff two versions, compare many."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from cairn.catalog.records import Page, VersionRecord
from cairn.errors import InvalidInput
from cairn.refs import parse_ref
from cairn.registry.comparison import Comparison, VersionDiff
from cairn.server.auth import Ctx
from cairn.server.responses import as_json

router = APIRouter(prefix="/api/v1", tags=["search"])

Ref = Annotated[str, Query(min_length=1, max_length=300)]


@router.get("/search", response_model=Page[VersionRecord])
def search(
    ctx: Ctx,
    filter: Annotated[str | None, Query(max_length=4000)] = None,
    order_by: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    page_token: Annotated[str | None, Query(max_length=2000)] = None,
    include_deleted: bool = False,
) -> Response:
    """Versions of every model the caller may read that match ``filter``."""
    ctx.authorize("self.read")
    page = ctx.reg.search(
        filter,
        order_by=order_by,
        limit=limit,
        page_token=page_token,
        include_deleted=include_deleted,
    )
    if not ctx.principal.sees_everything():
        page = Page[VersionRecord](
            items=[v for v in page.items if ctx.may("version.read", v.model)],
            next_token=page.next_token,
        )
    return as_json(page)


@router.get("/diff", response_model=VersionDiff)
def diff(a: Ref, b: Ref, ctx: Ctx) -> Response:
    ctx.authorize("version.read", parse_ref(a).model)
    ctx.authorize("version.read", parse_ref(b).model)
    return as_json(ctx.reg.diff(a, b))


@router.get("/compare", response_model=Comparison)
def compare(ctx: Ctx, ref: Annotated[list[str], Query(max_length=100)]) -> Response:
    if not ref:
        raise InvalidInput("compare needs at least one ref", "pass ?ref=a&ref=b")
    for item in ref:
        if len(item) > 300:
            raise InvalidInput("a ref is longer than 300 characters")
        ctx.authorize("version.read", parse_ref(item).model)
    return as_json(ctx.reg.compare(ref))
