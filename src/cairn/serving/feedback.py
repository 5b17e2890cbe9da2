"""``POST /feedback``: ground truth for earlier predictions, joined later by request id.

Body: ``{"request_id": "...", "ground_truth": <any JSON>, "model": "fraud"?}`` or a list of
them. The model (and version) are looked up from the request id when the request was recent;
otherwise give ``model``. Feedback is written beside the prediction log
(``<log_dir>/feedback/model=<m>/date=<d>/``), in the background like predictions.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.errors import CairnError, InvalidInput, NotFound
from cairn.serving.http import error_message, json_response, read_json
from cairn.serving.service import Service

__all__ = ["routes"]


def _items(body: Any) -> list[dict[str, Any]]:
    items = body if isinstance(body, list) else [body]
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("request_id"), str):
            raise InvalidInput(
                'feedback must be {"request_id": ..., "ground_truth": ...} or a list of them'
            )
        if "ground_truth" not in item:
            raise InvalidInput(f"feedback for {item['request_id']} has no 'ground_truth'")
    return items


def routes(service: Service) -> list[Route]:
    async def feedback(request: Request) -> Response:
        try:
            plog = service.log
            if plog is None:
                raise InvalidInput(
                    "this server keeps no prediction log, so it cannot take feedback",
                    "start it with --log-dir DIR",
                )
            items = _items(await read_json(request))
            now = time.time()
            rows = []
            for item in items:
                rid = item["request_id"]
                known = plog.lookup(rid)
                model = item.get("model") or (known[0] if known else None)
                if model is None:
                    raise NotFound(
                        f"request {rid} is not among the recent predictions",
                        'give the model: {"request_id", "model", "ground_truth"}',
                    )
                version = known[1] if known and known[0] == model else str(item.get("version", ""))
                rows.append((rid, now, str(model), version, item["ground_truth"]))
            accepted = sum(plog.feedback(row) for row in rows)
        except CairnError as exc:
            return json_response({"error": error_message(exc), "code": exc.code}, exc.http_status)
        return json_response({"accepted": accepted, "dropped": len(rows) - accepted}, 202)

    return [Route("/feedback", feedback, methods=["POST"])]
