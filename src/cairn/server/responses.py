"""Fast JSON responses from pydantic records (serialised once, by pydantic-core)."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import BaseModel, TypeAdapter

__all__ = ["as_json", "as_json_list", "no_content"]

_ANY_LIST: TypeAdapter[list[Any]] = TypeAdapter(list[Any])


def as_json(record: BaseModel, status: int = 200) -> Response:
    return Response(record.model_dump_json(), status_code=status, media_type="application/json")


def as_json_list(records: list[Any]) -> Response:
    return Response(_ANY_LIST.dump_json(records), media_type="application/json")


def no_content() -> Response:
    return Response(status_code=204)
