"""Small HTTP helpers the protocols share: fast JSON, version headers, output conversion."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from cairn.errors import CairnError, InvalidInput

__all__ = [
    "HEADER_REQUEST_ID",
    "HEADER_VERSION",
    "json_response",
    "read_json",
    "to_jsonable",
    "version_headers",
]

HEADER_VERSION = "x-cairn-model-version"
HEADER_REQUEST_ID = "x-request-id"
_OPTS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def _default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(body, option=_OPTS, default=_default),
        status_code=status,
        headers=headers,
        media_type="application/json",
    )


async def read_json(request: Request) -> Any:
    body = await request.body()
    if not body:
        raise InvalidInput("the request body is empty", "send a JSON body")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"the request body is not valid JSON ({exc})", "send JSON") from exc


def version_headers(model: str, version: str, request_id: str) -> dict[str, str]:
    return {HEADER_VERSION: f"{model}/{version}", HEADER_REQUEST_ID: request_id}


def to_jsonable(outputs: Any) -> Any:
    """Predictions as JSON values: arrays as (nested) lists, frames as records."""
    if hasattr(outputs, "to_dict") and hasattr(outputs, "columns"):
        return outputs.to_dict(orient="records")
    if hasattr(outputs, "tolist"):
        return outputs.tolist()
    return outputs


def error_message(exc: CairnError) -> str:
    return f"{exc.message}; {exc.hint}" if exc.hint else exc.message
