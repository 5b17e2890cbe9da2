"""Following a server's event stream (server-sent events), resuming after a disconnect."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx

from cairn.catalog.records import Event
from cairn.remote.http import Session, error_from

__all__ = ["follow_events", "parse_sse"]


def parse_sse(lines: Iterator[str]) -> Iterator[tuple[str | None, str]]:
    """(id, data) of each server-sent event in a stream of lines."""
    event_id: str | None = None
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield event_id, "\n".join(data)
            event_id, data = None, []
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "id":
                event_id = value
            elif field == "data":
                data.append(value)


def follow_events(
    session: Session,
    *,
    after: int | None,
    model: str | None = None,
    action: str | None = None,
) -> Iterator[Event]:
    cursor = after
    failures = 0
    while True:
        params: dict[str, str | int] = {}
        if model:
            params["model"] = model
        if action:
            params["action"] = action
        headers = {"Accept": "text/event-stream"}
        if cursor is not None:
            headers["Last-Event-ID"] = str(cursor)
        try:
            with session.client.stream(
                "GET",
                "/api/v1/events/stream",
                params=params,
                headers=headers,
                timeout=httpx.Timeout(10.0, read=60.0),
            ) as answer:
                if answer.status_code >= 400:
                    answer.read()
                    raise error_from(answer)
                failures = 0
                for _, data in parse_sse(answer.iter_lines()):
                    event = Event.model_validate_json(data)
                    cursor = event.seq
                    yield event
        except httpx.TransportError:
            failures += 1
            time.sleep(min(0.2 * 2**failures, 10.0))
