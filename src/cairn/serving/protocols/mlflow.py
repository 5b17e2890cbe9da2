"""MLflow's scoring protocol, so clients of ``mlflow models serve`` work unchanged.

``POST /invocations`` with ``application/json`` (exactly one of ``dataframe_split``,
``dataframe_records``, ``instances``, ``inputs``; optional ``params``) or ``text/csv``; the
answer is ``{"predictions": [...]}``. ``GET /ping`` and ``/health`` answer 200 when ready,
``/version`` the server's version. Errors are MLflow's ``{"error_code", "message"}``. With
several models served, ``?model=NAME`` picks one (default: the first ref given).
"""

from __future__ import annotations

import io
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from cairn import __version__
from cairn.errors import CairnError, InvalidInput
from cairn.serving.fastpath import SplitTable
from cairn.serving.http import (
    HEADER_REQUEST_ID,
    error_message,
    json_response,
    read_json,
    to_jsonable,
    version_headers,
)
from cairn.serving.service import Service

__all__ = ["parse_invocation", "routes"]

FIELDS = ("dataframe_split", "dataframe_records", "instances", "inputs")
_ERROR_CODES = {400: "BAD_REQUEST", 404: "RESOURCE_DOES_NOT_EXIST", 503: "TEMPORARILY_UNAVAILABLE"}


def _error(exc: CairnError) -> Response:
    code = _ERROR_CODES.get(exc.http_status, "INTERNAL_ERROR")
    return json_response({"error_code": code, "message": error_message(exc)}, exc.http_status)


def _split(value: Any) -> SplitTable:
    if not isinstance(value, dict) or not isinstance(value.get("data"), list):
        raise InvalidInput(
            "dataframe_split must be an object with 'columns' and 'data' (a list of rows)",
            'e.g. {"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2]]}}',
        )
    columns = value.get("columns")
    rows = value["data"]
    if columns is None:
        width = len(rows[0]) if rows and isinstance(rows[0], list) else 0
        columns = [str(i) for i in range(width)]
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise InvalidInput("dataframe_split.columns must be a list of column names")
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(columns):
            raise InvalidInput(
                f"dataframe_split.data[{i}] must have {len(columns)} values, one per column"
            )
    return SplitTable(columns, rows)


def parse_invocation(content_type: str, body: bytes, parsed: Any = None) -> Any:
    """The model input of one ``/invocations`` body."""
    kind = content_type.split(";")[0].strip().lower()
    if kind == "text/csv":
        import pandas as pd

        try:
            return pd.read_csv(io.BytesIO(body))
        except Exception as exc:
            raise InvalidInput(f"the CSV body cannot be read: {exc}") from exc
    if kind not in ("application/json", ""):
        raise InvalidInput(
            f"content type {kind!r} is not supported",
            "send application/json or text/csv",
        )
    if not isinstance(parsed, dict):
        raise InvalidInput(
            "the JSON body must be an object with one of: " + ", ".join(FIELDS),
            'e.g. {"dataframe_records": [{"a": 1, "b": 2}]}',
        )
    given = [f for f in FIELDS if f in parsed]
    if len(given) != 1:
        raise InvalidInput(
            f"the JSON body must have exactly one of {', '.join(FIELDS)}; got "
            f"{', '.join(sorted(k for k in parsed if k != 'params')) or 'none'}",
            'e.g. {"dataframe_records": [{"a": 1, "b": 2}]}',
        )
    field = given[0]
    value = parsed[field]
    if field == "dataframe_split":
        return _split(value)
    if field == "dataframe_records":
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            raise InvalidInput("dataframe_records must be a list of objects (one per row)")
        return value
    if isinstance(value, dict) and value and all(isinstance(v, list) for v in value.values()):
        return value  # named columns or tensors
    if not isinstance(value, list | dict):
        raise InvalidInput(f"{field} must be a list or an object")
    return value


def routes(service: Service) -> list[Route]:
    async def invocations(request: Request) -> Response:
        model = request.query_params.get("model") or service.router.default
        try:
            body = await request.body()
            content_type = request.headers.get("content-type", "application/json")
            kind = content_type.split(";")[0].strip().lower()
            parsed = None
            if kind in ("application/json", ""):
                parsed = await read_json(request)
            data = parse_invocation(content_type, body, parsed)
            outcome = await service.infer(
                model,
                data,
                request_id=request.headers.get(HEADER_REQUEST_ID),
                route_key=request.headers.get(service.config.route_header),
                raw_inputs=parsed if parsed is not None else body.decode("utf-8", "replace"),
            )
        except CairnError as exc:
            service.failed(model, exc)
            return _error(exc)
        loaded = outcome.loaded
        return json_response(
            {"predictions": to_jsonable(outcome.outputs)},
            headers=version_headers(loaded.model, loaded.version, outcome.request_id),
        )

    async def ping(request: Request) -> Response:
        reasons = service.not_ready()
        if reasons:
            return PlainTextResponse("; ".join(reasons) + "\n", 503)
        return PlainTextResponse("\n")

    async def version(request: Request) -> Response:
        return PlainTextResponse(__version__)

    return [
        Route("/invocations", invocations, methods=["POST"]),
        Route("/ping", ping, methods=["GET"]),
        Route("/health", ping, methods=["GET"]),
        Route("/version", version, methods=["GET"]),
    ]
