"""The plain protocol: ``POST /predict[/{model}]`` with JSON records, for humans and scripts.

Body: a list of records (``[{"age": 31, "income": 5200}]``), one record, or
``{"records": [...]}``. Answer: ``{"model", "version", "request_id", "predictions"}``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.errors import CairnError, InvalidInput
from cairn.serving.http import (
    HEADER_REQUEST_ID,
    error_message,
    json_response,
    read_json,
    to_jsonable,
    version_headers,
)
from cairn.serving.service import Service

__all__ = ["routes"]


def _records(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict) and isinstance(body.get("records"), list):
        body = body["records"]
    if isinstance(body, dict):
        body = [body]
    if not isinstance(body, list) or not body or not all(isinstance(r, dict) for r in body):
        raise InvalidInput(
            "send JSON records: a list of objects, one per row",
            'e.g. [{"age": 31, "income": 5200}]',
        )
    return body


def routes(service: Service) -> list[Route]:
    async def predict(request: Request) -> Response:
        model = request.path_params.get("model") or service.router.default
        try:
            records = _records(await read_json(request))
            outcome = await service.infer(
                model,
                records,
                request_id=request.headers.get(HEADER_REQUEST_ID),
                route_key=request.headers.get(service.config.route_header),
            )
        except CairnError as exc:
            service.failed(model, exc)
            return json_response({"error": error_message(exc), "code": exc.code}, exc.http_status)
        loaded = outcome.loaded
        return json_response(
            {
                "model": loaded.model,
                "version": loaded.number,
                "request_id": outcome.request_id,
                "predictions": to_jsonable(outcome.outputs),
            },
            headers=version_headers(loaded.model, loaded.version, outcome.request_id),
        )

    return [
        Route("/predict", predict, methods=["POST"]),
        Route("/predict/{model}", predict, methods=["POST"]),
    ]
