"""Chunk-level transfer: ask which chunks are missing, upload them packed, commit the
manifest; download a version's manifest, its chunks, or a byte range of one file.

Uploads are resumable by construction: each packed batch is durable once answered, so a
client that lost its connection asks again which chunks are missing and sends only those.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from cairn.digest import parse
from cairn.errors import (
    ArtifactTooLarge,
    ChunkMissing,
    CorruptData,
    InvalidInput,
    InvalidPath,
    NotFound,
    StoreFormatError,
)
from cairn.remote.wire import CHUNK_PACK_TYPE, FrameReader, encode_frames
from cairn.server.auth import Context, Ctx
from cairn.server.errors import error_response
from cairn.store.manifest import decode_manifest
from cairn.store.tree import check_relative_path

router = APIRouter(prefix="/api/v1", tags=["transfer"])

ModelName = Annotated[str, Query(min_length=1, max_length=128)]
Digest = Annotated[str, Path(min_length=8, max_length=80)]
_MAX_IDS = 200_000
_ENCODED_TRICKS = ("%2e", "%2f", "%5c", "%00", "%23", "%25", "#", "\\")


class ChunkIds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[str, Field(max_length=80)]] = Field(max_length=_MAX_IDS)


class Missing(BaseModel):
    missing: list[str]


class Received(BaseModel):
    chunks: int
    bytes_written: int


class Committed(BaseModel):
    digest: str
    size: int
    file_count: int


def _readable(ctx: Context, digest: str) -> None:
    """Artifacts are read through a version the caller may download."""
    parse(digest)
    versions = ctx.state.registry.catalog.versions_with_digest(digest)
    if any(ctx.may("artifact.read", v.model) for v in versions):
        return
    visible = [v for v in versions if ctx.may("version.read", v.model)]
    if visible:
        ctx.authorize("artifact.read", visible[0].model)
    raise NotFound(f"no version you can read has the artifact {digest}")


@router.post("/chunks/missing", response_model=Missing)
def missing_chunks(model: ModelName, body: ChunkIds, ctx: Ctx) -> Missing:
    """Which of ``ids`` the server lacks (send those, and only those)."""
    ctx.authorize("artifact.write", model)
    return Missing(missing=ctx.state.registry.store.missing(body.ids))


@router.post(
    "/chunks",
    response_model=Received,
    openapi_extra={
        "requestBody": {
            "content": {CHUNK_PACK_TYPE: {"schema": {"type": "string", "format": "binary"}}}
        }
    },
)
async def upload_chunks(model: ModelName, request: Request, ctx: Ctx) -> Received:
    """A packed batch of chunks (see ``cairn.remote.wire``); each is verified on arrival."""
    ctx.authorize("artifact.write", model)
    reader = FrameReader()
    frames: list[tuple[str, bytes]] = []
    try:
        async for piece in request.stream():
            frames.extend(reader.feed(piece))
        reader.finish()
        written = await run_in_threadpool(ctx.state.registry.store.import_chunks, frames)
    except CorruptData as error:
        raise InvalidInput(error.message, "send the chunks again") from None
    return Received(chunks=len(frames), bytes_written=written)


@router.put(
    "/manifests",
    response_model=Committed,
    openapi_extra={
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}
    },
)
async def commit_manifest(model: ModelName, request: Request, ctx: Ctx) -> Response:
    """Store a manifest whose chunks are all on the server; its digest names the artifact."""
    ctx.authorize("artifact.write", model)
    data = await request.body()
    if not data:
        raise InvalidInput("the manifest is empty", "send the manifest's canonical JSON")
    try:
        snapshot = decode_manifest(data)
    except (CorruptData, StoreFormatError) as error:
        raise InvalidInput(error.message, "send a manifest written by cairn") from None
    limit = ctx.state.settings.max_upload_bytes
    if snapshot.size > limit:
        raise ArtifactTooLarge(f"the artifact is {snapshot.size} bytes, over the {limit} limit")
    try:
        stored = await run_in_threadpool(ctx.state.registry.store.put_manifest, data)
    except ChunkMissing as error:
        return error_response(409, error.code, error.message, "upload the missing chunks first")
    body = Committed(digest=stored.digest, size=stored.size, file_count=stored.file_count)
    return Response(body.model_dump_json(), media_type="application/json")


@router.get("/artifacts/{digest}/manifest")
def get_manifest(digest: Digest, ctx: Ctx) -> Response:
    _readable(ctx, digest)
    data = ctx.state.registry.store.manifest_bytes(digest)
    return Response(data, media_type="application/json")


@router.post("/artifacts/{digest}/chunks", response_class=StreamingResponse)
def download_chunks(digest: Digest, body: ChunkIds, ctx: Ctx) -> StreamingResponse:
    """The chunks ``ids`` of the artifact, packed; ask only for those the client lacks."""
    _readable(ctx, digest)
    store = ctx.state.registry.store
    known = store.snapshot(digest).chunk_ids()
    wanted = list(dict.fromkeys(body.ids))
    stray = [c for c in wanted if c not in known]
    if stray:
        raise InvalidInput(f"chunk {stray[0]} is not part of {digest}")
    return StreamingResponse(encode_frames(store.export_chunks(wanted)), media_type=CHUNK_PACK_TYPE)


def _check_artifact_path(request: Request, path: str) -> str:
    raw = bytes(request.scope.get("raw_path") or b"").decode("latin-1").lower()
    tail = raw.split("/files/", 1)[-1]
    if any(trick in tail for trick in _ENCODED_TRICKS) or "#" in path:
        raise InvalidPath(f"artifact path {path!r} is encoded to escape the tree")
    return check_relative_path(path)


def _parse_range(header: str, size: int) -> tuple[int, int]:
    unit, _, spec = header.partition("=")
    first, _, last = spec.partition("-")
    try:
        if unit.strip() != "bytes" or "," in spec:
            raise ValueError
        if first:
            start, end = int(first), (int(last) + 1 if last else size)
        else:
            start, end = max(size - int(last), 0), size
    except ValueError:
        raise InvalidInput(
            f"range {header!r} is not bytes=START-END", "ask for one range"
        ) from None
    end = min(end, size)
    if start >= end and size:
        raise InvalidInput(f"range {header!r} is outside the file ({size} bytes)")
    return start, end


def _range_bytes(ctx: Context, digest: str, path: str, start: int, end: int) -> Iterator[bytes]:
    entry = ctx.state.registry.store.snapshot(digest).file(path)
    assert entry is not None
    pos = 0
    wanted: list[tuple[str, int]] = []
    for chunk_id, length in entry.chunks:
        if pos + length > start and pos < end:
            wanted.append((chunk_id, pos))
        pos += length
    offsets = dict(wanted)
    for chunk_id, data in ctx.state.registry.store.export_chunks([c for c, _ in wanted]):
        at = offsets[chunk_id]
        lo, hi = max(start - at, 0), min(end - at, len(data))
        yield data[lo:hi]


@router.get("/artifacts/{digest}/files/{path:path}", response_class=StreamingResponse)
def download_file(
    digest: Digest,
    path: str,
    request: Request,
    ctx: Ctx,
    range: Annotated[str | None, Header(max_length=100)] = None,
) -> StreamingResponse:
    """One file of an artifact, whole or a byte range (``Range: bytes=START-END``)."""
    clean = _check_artifact_path(request, path)
    _readable(ctx, digest)
    entry = ctx.state.registry.store.snapshot(digest).file(clean)
    if entry is None:
        raise NotFound(f"{digest} has no file {clean!r}")
    start, end = (0, entry.size) if range is None else _parse_range(range, entry.size)
    headers = {"Accept-Ranges": "bytes", "Content-Length": str(end - start)}
    status = 200
    if range is not None:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{max(end - 1, 0)}/{entry.size}"
    return StreamingResponse(
        _range_bytes(ctx, digest, clean, start, end),
        status_code=status,
        media_type="application/octet-stream",
        headers=headers,
    )
