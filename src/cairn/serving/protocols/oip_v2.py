"""Open Inference Protocol v2 (KServe / Triton "V2" REST), as specified.

``GET /v2``, ``/v2/health/live``, ``/v2/health/ready``, ``/v2/models/{name}[/versions/{v}]``,
``.../ready`` and ``POST .../infer``. Errors are ``{"error": "..."}``; readiness answers 200
for true and 400 for false. Tensors come as JSON (flat row-major or nested ``data``) or with
the binary tensor data extension (``Inference-Header-Content-Length``), which the standard
``tritonclient`` uses by default. ``model_version`` is always the concrete version that
answered, even when the request named no version.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn import __version__
from cairn.errors import CairnError, InvalidInput, SchemaMismatch
from cairn.serving.http import HEADER_REQUEST_ID, HEADER_VERSION, json_response
from cairn.serving.loaded import LoadedVersion
from cairn.serving.protocols.tensors import (
    DATATYPES,
    datatype_of,
    decode_binary,
    encode_binary,
    signature_datatype,
    to_array,
)
from cairn.serving.service import Service

__all__ = ["routes"]

BINARY_HEADER = "inference-header-content-length"


def _error(message: str, status: int) -> Response:
    return json_response({"error": message}, status)


def _cairn_error(exc: CairnError) -> Response:
    return _error(exc.message, exc.http_status)


# -- metadata --------------------------------------------------------------------------------


def _tensor_meta(name: str, datatype: str, shape: list[int]) -> dict[str, Any]:
    return {"name": name, "datatype": datatype, "shape": shape}


def _schema_tensors(schema: dict[str, Any] | None) -> list[dict[str, Any]] | None:
    if not schema:
        return None
    kind = schema.get("type")
    if kind == "dataframe":
        return [
            _tensor_meta(c["name"], signature_datatype(c["dtype"]), [-1]) for c in schema["columns"]
        ]
    if kind == "tensor":
        return [
            _tensor_meta(
                "input-0", signature_datatype(schema["dtype"]), list(schema.get("shape") or [-1])
            )
        ]
    if kind == "tensors":
        return [
            _tensor_meta(t["name"], signature_datatype(t["dtype"]), list(t.get("shape") or [-1]))
            for t in schema["tensors"]
        ]
    return None


def _output_tensors(outputs: Any) -> list[tuple[str, Any]]:
    """A prediction as named arrays: a frame's columns, a dict's items, else ``predict``."""
    import numpy as np

    if hasattr(outputs, "columns") and hasattr(outputs, "iloc"):
        return [(str(c), outputs[c].to_numpy()) for c in outputs.columns]
    if isinstance(outputs, dict):
        return [(str(k), np.asarray(v)) for k, v in outputs.items()]
    if hasattr(outputs, "to_numpy"):
        return [("predict", outputs.to_numpy())]
    return [("predict", np.asarray(outputs))]


def model_metadata(loaded: LoadedVersion) -> dict[str, Any]:
    sig = loaded.signature or {}
    inputs_schema = sig.get("inputs", sig if "type" in sig else None)
    inputs = _schema_tensors(inputs_schema) or []
    outputs = _schema_tensors(sig.get("outputs"))
    if not outputs and loaded.sample_output is not None:
        outputs = [
            _tensor_meta(name, datatype_of(arr), [-1, *arr.shape[1:]])
            for name, arr in _output_tensors(loaded.sample_output)
        ]
    if outputs and len(outputs) == 1 and (sig.get("outputs") or {}).get("type") == "tensor":
        outputs[0]["name"] = "predict"
    return {
        "name": loaded.model,
        "versions": [loaded.version],
        "platform": f"cairn-{loaded.record.flavor or 'unknown'}",
        "inputs": inputs,
        "outputs": outputs or [],
    }


# -- inference -------------------------------------------------------------------------------


def _parse_body(request_headers: Any, body: bytes) -> tuple[dict[str, Any], bytes]:
    header_len = request_headers.get(BINARY_HEADER)
    raw = b""
    if header_len is not None:
        try:
            n = int(header_len)
        except ValueError:
            raise InvalidInput(f"bad {BINARY_HEADER} {header_len!r}") from None
        body, raw = body[:n], body[n:]
    if not body:
        raise InvalidInput("the request body is empty; expected an inference request")
    try:
        req = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"the inference request is not valid JSON ({exc})") from exc
    if not isinstance(req, dict):
        raise InvalidInput("the inference request must be a JSON object")
    return req, raw


def _tensors(req: dict[str, Any], raw: bytes) -> dict[str, Any]:
    inputs = req.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise InvalidInput("'inputs' must be a non-empty list of tensors")
    out: dict[str, Any] = {}
    offset = 0
    for i, t in enumerate(inputs):
        if not isinstance(t, dict):
            raise InvalidInput(f"inputs[{i}] must be an object with name, shape, datatype, data")
        name, shape, datatype = t.get("name"), t.get("shape"), t.get("datatype")
        if not isinstance(name, str) or not name:
            raise InvalidInput(f"inputs[{i}]: 'name' must be a non-empty string")
        if not isinstance(shape, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
        ):
            raise InvalidInput(f"input '{name}': 'shape' must be a list of non-negative integers")
        if datatype not in DATATYPES:
            raise InvalidInput(
                f"input '{name}': unknown datatype {datatype!r} "
                f"(expected one of {', '.join(DATATYPES)})"
            )
        size = (t.get("parameters") or {}).get("binary_data_size")
        if size is not None:
            chunk = raw[offset : offset + int(size)]
            offset += int(size)
            out[name] = decode_binary(name, datatype, shape, chunk)
        elif "data" in t:
            out[name] = to_array(name, datatype, shape, t["data"])
        else:
            raise InvalidInput(f"input '{name}' has no 'data'")
    return out


def _matrix_columns(arr: Any, columns: list[dict[str, Any]]) -> dict[str, Any]:
    """One tensor holds one datatype, a table may mix them: split a matrix into the
    signature's columns, turning whole floats into integers where a column wants integers."""
    import numpy as np

    out = {}
    for i, col in enumerate(columns):
        values = arr[:, i]
        if (
            str(col["dtype"]).startswith(("int", "uint"))
            and values.dtype.kind == "f"
            and bool(np.all(np.isfinite(values)))
            and bool(np.all(values == np.round(values)))
        ):
            values = values.astype(col["dtype"])
        out[col["name"]] = values
    return out


def _model_input(tensors: dict[str, Any], loaded: LoadedVersion) -> Any:
    """Map named tensors onto what the version's signature expects."""
    sig = loaded.signature or {}
    schema = sig.get("inputs", sig if "type" in sig else None) or {}
    kind = schema.get("type")
    if kind == "tensors":
        return tensors
    if len(tensors) == 1:
        ((name, arr),) = tensors.items()
        if kind == "dataframe":
            names = [c["name"] for c in schema["columns"]]
            if name in names and arr.ndim <= 2 and (arr.ndim == 1 or arr.shape[1] == 1):
                return {name: arr.reshape(-1)}
            if arr.ndim == 1:
                arr = arr.reshape(1, -1)
            if arr.ndim == 2 and arr.shape[1] == len(names):
                return _matrix_columns(arr, schema["columns"])
        return arr
    if kind == "tensor":
        raise SchemaMismatch(
            f"expected one input tensor, got {len(tensors)} ({', '.join(tensors)})"
        )
    columns: dict[str, Any] = {}
    for name, arr in tensors.items():
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr.reshape(-1)
        if arr.ndim != 1:
            raise SchemaMismatch(
                f"input '{name}': expected one value per row (shape [N] or [N, 1]), "
                f"got shape {list(arr.shape)}"
            )
        columns[name] = arr
    lengths = {len(a) for a in columns.values()}
    if len(lengths) > 1:
        raise SchemaMismatch(f"inputs have different numbers of rows: {sorted(lengths)}")
    return columns


def _respond(req: dict[str, Any], loaded: LoadedVersion, outputs: Any, request_id: str) -> Response:
    named = _output_tensors(outputs)
    wanted = req.get("outputs")
    binary_all = bool((req.get("parameters") or {}).get("binary_data_output"))
    binary: set[str] = set()
    if isinstance(wanted, list) and wanted:
        have = {n for n, _ in named}
        names = []
        for w in wanted:
            wname = w.get("name") if isinstance(w, dict) else None
            if wname not in have:
                raise InvalidInput(f"unknown output {wname!r} (outputs: {', '.join(sorted(have))})")
            names.append(wname)
            if (w.get("parameters") or {}).get("binary_data", binary_all):
                binary.add(wname)
        named = [(n, a) for n, a in named if n in names]
    elif binary_all:
        binary = {n for n, _ in named}
    body: dict[str, Any] = {
        "model_name": loaded.model,
        "model_version": loaded.version,
        "id": request_id,
        "outputs": [],
    }
    tail = []
    for name, arr in named:
        tensor: dict[str, Any] = {
            "name": name,
            "shape": list(arr.shape),
            "datatype": datatype_of(arr),
        }
        if name in binary:
            data = encode_binary(arr)
            tensor["parameters"] = {"binary_data_size": len(data)}
            tail.append(data)
        else:
            tensor["data"] = arr.ravel().tolist()
        body["outputs"].append(tensor)
    headers = {HEADER_VERSION: f"{loaded.model}/{loaded.version}", HEADER_REQUEST_ID: request_id}
    if not tail:
        return json_response(body, 200, headers)
    head = orjson.dumps(body)
    headers[BINARY_HEADER] = str(len(head))
    return Response(
        head + b"".join(tail), 200, headers=headers, media_type="application/octet-stream"
    )


def routes(service: Service) -> list[Route]:
    async def server_metadata(request: Request) -> Response:
        return json_response(
            {"name": "cairn", "version": __version__, "extensions": ["binary_tensor_data"]}
        )

    async def live(request: Request) -> Response:
        return json_response({"live": True})

    async def ready(request: Request) -> Response:
        reasons = service.not_ready()
        if reasons:
            return json_response({"ready": False, "error": "; ".join(reasons)}, 400)
        return json_response({"ready": True})

    def _slot_loaded(request: Request) -> LoadedVersion:
        name = request.path_params["name"]
        version = request.path_params.get("version")
        slot = service.pick(name, version, None)
        return slot.get()

    async def metadata(request: Request) -> Response:
        try:
            return json_response(model_metadata(_slot_loaded(request)))
        except CairnError as exc:
            return _cairn_error(exc)

    async def model_ready(request: Request) -> Response:
        name = request.path_params["name"]
        version = request.path_params.get("version")
        try:
            if version is None:
                reasons = service.not_ready(name)
            else:
                slot = service.pick(name, version, None)
                reasons = [] if slot.current is not None and slot.current.warmed else ["loading"]
        except CairnError as exc:
            return _cairn_error(exc)
        if reasons:
            return json_response({"name": name, "ready": False, "error": "; ".join(reasons)}, 400)
        return json_response({"name": name, "ready": True})

    async def infer(request: Request) -> Response:
        name = request.path_params["name"]
        version = request.path_params.get("version")
        try:
            req, raw = _parse_body(request.headers, await request.body())
            tensors = _tensors(req, raw)
            rid = req.get("id")
            if rid is not None and not isinstance(rid, str):
                raise InvalidInput("'id' must be a string")
            rid = rid or request.headers.get(HEADER_REQUEST_ID)
            outcome = await service.infer(
                name,
                None,
                prepare=lambda loaded: _model_input(tensors, loaded),
                version=version,
                request_id=rid,
                route_key=request.headers.get(service.config.route_header),
                raw_inputs=req.get("inputs") if not raw else tensors,
            )
            return _respond(req, outcome.loaded, outcome.outputs, outcome.request_id)
        except CairnError as exc:
            service.failed(name, exc)
            return _cairn_error(exc)

    return [
        Route("/v2", server_metadata, methods=["GET"]),
        Route("/v2/health/live", live, methods=["GET"]),
        Route("/v2/health/ready", ready, methods=["GET"]),
        Route("/v2/models/{name}", metadata, methods=["GET"]),
        Route("/v2/models/{name}/ready", model_ready, methods=["GET"]),
        Route("/v2/models/{name}/infer", infer, methods=["POST"]),
        Route("/v2/models/{name}/versions/{version}", metadata, methods=["GET"]),
        Route("/v2/models/{name}/versions/{version}/ready", model_ready, methods=["GET"]),
        Route("/v2/models/{name}/versions/{version}/infer", infer, methods=["POST"]),
    ]
