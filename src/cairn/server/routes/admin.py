"""Registry maintenance for admins: garbage collection and the store check."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from cairn.server.auth import Ctx

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


class GcRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace: Annotated[float, Field(ge=0)] | None = None
    dry_run: bool = False


@router.post("/gc", response_model=dict[str, Any])
def gc(body: GcRequest, ctx: Ctx) -> dict[str, Any]:
    ctx.authorize("registry.admin")
    report = ctx.reg.gc(grace=body.grace, dry_run=body.dry_run)
    return dataclasses.asdict(report)


@router.post("/fsck", response_model=dict[str, Any])
def fsck(ctx: Ctx) -> dict[str, Any]:
    ctx.authorize("registry.admin")
    check = ctx.reg.fsck()
    return {
        "ok": check.ok,
        "store": dataclasses.asdict(check.store),
        "missing_artifacts": check.missing_artifacts,
    }
