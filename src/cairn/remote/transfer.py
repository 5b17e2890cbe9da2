"""Chunk-level transfer between a local store and a server, resumable after a dropped
connection: each side is asked which chunks it lacks, only those move, in packed batches
that are durable once answered; a retry asks again and sends only what is still missing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from urllib.parse import quote

import httpx

from cairn.errors import ChunkMissing, RemoteError
from cairn.remote.http import Session, error_from
from cairn.remote.wire import CHUNK_PACK_TYPE, FrameReader, encode_frame
from cairn.store import Store, TransferStats
from cairn.store.manifest import decode_manifest

__all__ = ["BATCH_BYTES", "download", "upload"]

Progress = Callable[[int], None]
BATCH_BYTES = 8 * 1024 * 1024
_ID_BATCH = 20_000
_ATTEMPTS = 6


def _pause(attempt: int) -> None:
    time.sleep(min(0.2 * 2**attempt, 5.0))


def _server_missing(session: Session, model: str, ids: list[str]) -> list[str]:
    missing: list[str] = []
    for start in range(0, len(ids), _ID_BATCH):
        body = {"ids": ids[start : start + _ID_BATCH]}
        answer = session.json("POST", "/api/v1/chunks/missing", params={"model": model}, json=body)
        missing.extend(answer["missing"])
    return missing


def _batches(store: Store, ids: list[str]) -> Iterator[tuple[bytes, int]]:
    frames: list[bytes] = []
    size = 0
    for chunk_id, data in store.export_chunks(ids):
        frames.append(encode_frame(chunk_id, data))
        size += len(data)
        if size >= BATCH_BYTES:
            yield b"".join(frames), size
            frames, size = [], 0
    if frames:
        yield b"".join(frames), size


def upload(
    session: Session, source: Store, digest: str, model: str, progress: Progress | None = None
) -> TransferStats:
    """Put the artifact ``digest`` of ``source`` on the server, sending only missing chunks."""
    snapshot = source.snapshot(digest)
    sizes = {chunk_id: length for entry in snapshot.files for chunk_id, length in entry.chunks}
    manifest = source.manifest_bytes(digest)
    sent_bytes = sent_chunks = 0
    first_missing: int | None = None
    for attempt in range(_ATTEMPTS):
        try:
            missing = _server_missing(session, model, list(sizes))
            if first_missing is None:
                first_missing = len(missing)
            for body, size in _batches(source, missing):
                session.request(
                    "POST",
                    "/api/v1/chunks",
                    params={"model": model},
                    content=body,
                    headers={"Content-Type": CHUNK_PACK_TYPE},
                )
                sent_bytes += size
                if progress is not None:
                    progress(size)
            sent_chunks += len(missing)
            session.request(
                "PUT",
                "/api/v1/manifests",
                params={"model": model},
                content=manifest,
                headers={"Content-Type": "application/json"},
            )
            break
        except (RemoteError, ChunkMissing):
            if attempt == _ATTEMPTS - 1:
                raise
            _pause(attempt)
    total = sum(sizes.values())
    return TransferStats(
        chunks_sent=sent_chunks,
        bytes_sent=sent_bytes,
        chunks_skipped=len(sizes) - (first_missing or 0),
        bytes_skipped=max(total - sent_bytes, 0),
    )


def _fetch(
    session: Session, digest: str, ids: list[str], target: Store, progress: Progress | None
) -> int:
    reader = FrameReader()
    got = 0
    path = f"/api/v1/artifacts/{quote(digest)}/chunks"
    try:
        with session.client.stream("POST", path, json={"ids": ids}) as answer:
            if answer.status_code >= 400:
                answer.read()
                raise error_from(answer)
            frames: list[tuple[str, bytes]] = []
            for piece in answer.iter_bytes(1 << 20):
                frames.extend(reader.feed(piece))
            reader.finish()
    except httpx.TransportError as exc:
        raise RemoteError(f"the download from {session.url} broke off: {exc}") from exc
    target.import_chunks(frames)
    for _, data in frames:
        got += len(data)
        if progress is not None:
            progress(len(data))
    return got


def download(
    session: Session, digest: str, target: Store, progress: Progress | None = None
) -> TransferStats:
    """Bring the artifact ``digest`` into ``target``, fetching only the chunks it lacks."""
    manifest = session.request("GET", f"/api/v1/artifacts/{quote(digest)}/manifest").content
    snapshot = decode_manifest(manifest, digest)
    sizes = {chunk_id: length for entry in snapshot.files for chunk_id, length in entry.chunks}
    received = 0
    first_missing: int | None = None
    for attempt in range(_ATTEMPTS):
        try:
            missing = target.missing(list(sizes))
            if first_missing is None:
                first_missing = len(missing)
            batch: list[str] = []
            size = 0
            for chunk_id in missing:
                batch.append(chunk_id)
                size += sizes[chunk_id]
                if size >= BATCH_BYTES:
                    received += _fetch(session, digest, batch, target, progress)
                    batch, size = [], 0
            if batch:
                received += _fetch(session, digest, batch, target, progress)
            target.put_manifest(manifest)
            break
        except (RemoteError, ChunkMissing):
            if attempt == _ATTEMPTS - 1:
                raise
            _pause(attempt)
    return TransferStats(
        chunks_sent=first_missing or 0,
        bytes_sent=received,
        chunks_skipped=len(sizes) - (first_missing or 0),
        bytes_skipped=max(sum(sizes.values()) - received, 0),
    )
