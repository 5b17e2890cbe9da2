"""``save_model`` and ``load_predictor``: the two calls the registry makes."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cairn.errors import FlavorError, InvalidInput
from cairn.flavors.base import SaveContext, detect_flavor, get_flavor
from cairn.flavors.predictor import Predictor
from cairn.flavors.signature import _is_array, _is_frame, infer_schema

__all__ = ["META_FILE", "load_input_example", "load_predictor", "save_model"]

META_FILE = "cairn-model.json"
EXAMPLE_FILE = "input_example.json"
_EXAMPLE_ROWS = 100


def _example_json(example: Any) -> dict[str, Any]:
    if _is_frame(example):
        return {
            "type": "dataframe",
            **json.loads(example.head(_EXAMPLE_ROWS).to_json(orient="split", index=False)),
        }
    if _is_array(example):
        return {
            "type": "array",
            "dtype": str(example.dtype),
            "data": example[:_EXAMPLE_ROWS].tolist(),
        }
    if isinstance(example, Mapping) and all(_is_array(v) for v in example.values()):
        return {
            "type": "arrays",
            "data": {k: {"dtype": str(v.dtype), "data": v.tolist()} for k, v in example.items()},
        }
    if hasattr(example, "detach"):
        return _example_json(example.detach().cpu().numpy())
    try:
        return {"type": "json", "data": json.loads(json.dumps(example))}
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"cannot store the input example ({exc})",
            "pass a DataFrame, a NumPy array, records or lists of numbers",
        ) from exc


def load_input_example(path: Path, meta: Mapping[str, Any] | None = None) -> Any:
    """The stored input example, rebuilt as it was given (DataFrame, array, records...)."""
    name = (meta or {}).get("input_example") or EXAMPLE_FILE
    target = Path(path) / name
    if not target.is_file():
        return None
    doc = json.loads(target.read_text())
    kind = doc.get("type")
    if kind == "dataframe":
        import pandas as pd

        return pd.DataFrame(doc["data"], columns=doc["columns"])
    if kind == "array":
        import numpy as np

        return np.asarray(doc["data"], dtype=doc["dtype"])
    if kind == "arrays":
        import numpy as np

        return {k: np.asarray(v["data"], dtype=v["dtype"]) for k, v in doc["data"].items()}
    return doc.get("data")


def save_model(
    obj: Any,
    dest: Path,
    *,
    input_example: Any = None,
    flavor: str | None = None,
    unsafe: bool = False,
    trusted: Sequence[str] = (),
    onnx: bool = False,
    code_paths: Sequence[Path] = (),
    artifacts: Mapping[str, Path] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Write ``obj`` into the empty directory ``dest`` in its flavor's safe format and return
    the JSON metadata to store on the version (flavor, format, signature, safety, environment,
    requirements). Options: ``signature=`` (instead of inferring it), ``predict_method=``
    (sklearn, xgboost, lightgbm, pickle), ``init_kwargs=`` (pytorch, python_function),
    ``format=`` (xgboost: ubj or json), ``serializer=`` (pickle: pickle, joblib, cloudpickle).
    """
    from cairn.environment.capture import capture_environment

    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise InvalidInput(f"{dest} is not empty", "save the model into a new or empty directory")
    dest.mkdir(parents=True, exist_ok=True)
    signature = options.pop("signature", None)
    chosen = get_flavor(flavor) if flavor else detect_flavor(obj, unsafe=unsafe)
    ctx = SaveContext(
        input_example=input_example,
        unsafe=unsafe,
        trusted=tuple(trusted),
        onnx=onnx,
        code_paths=tuple(Path(p) for p in code_paths),
        artifacts=dict(artifacts or {}),
        options=dict(options),
    )
    if onnx and chosen.name != "sklearn":
        raise InvalidInput("onnx=True applies to scikit-learn models", "drop onnx=True")
    result = chosen.save(obj, dest, ctx)
    if ctx.options:
        raise InvalidInput(
            f"unknown option(s) for the {chosen.name} flavor: {', '.join(sorted(ctx.options))}",
            "see the flavor's options in docs/flavors.md",
        )
    meta: dict[str, Any] = {
        "flavor": chosen.name,
        "format": result.format,
        "flavor_meta": result.flavor_meta,
        "signature": signature,
        "input_example": None,
        "safety": {"safe": result.safe, "format": result.format, "scan": result.scan},
    }
    if input_example is not None:
        (dest / EXAMPLE_FILE).write_text(json.dumps(_example_json(input_example)))
        meta["input_example"] = EXAMPLE_FILE
        if signature is None:
            inputs = infer_schema(input_example)
            meta["signature"] = {"inputs": inputs, "outputs": None}
            predictor = _build(dest, meta, trusted=ctx.trusted)
            try:
                output = predictor.predict(input_example)
            except Exception as exc:
                raise FlavorError(
                    "the saved model fails to predict its input_example "
                    f"({type(exc).__name__}: {exc})",
                    "pass an input_example the model accepts",
                ) from exc
            with contextlib.suppress(TypeError, ValueError):
                meta["signature"]["outputs"] = infer_schema(output)
    if meta["signature"] is None:
        meta["signature"] = result.flavor_meta.get("graph_signature")
    requirements = list(result.requirements)
    inputs = (meta["signature"] or {}).get("inputs") or {}
    if inputs.get("type") == "dataframe" and "pandas" not in requirements:
        requirements.append("pandas")
    if onnx:
        requirements.append("onnxruntime")
    meta["environment"] = capture_environment(requirements)
    meta["requirements"] = meta["environment"]["requirements"]
    (dest / META_FILE).write_text(json.dumps(meta, indent=1, sort_keys=True, default=str))
    return meta


def _build(
    path: Path, meta: Mapping[str, Any], *, trusted: Sequence[str], use_onnx: bool = False
) -> Predictor:
    flavor = get_flavor(str(meta.get("flavor")))
    if use_onnx:
        exported = (meta.get("flavor_meta") or {}).get("onnx")
        if not exported:
            raise FlavorError("this version has no ONNX export", "log it with onnx=True")
        flavor = get_flavor("onnx")
        meta = {**meta, "flavor_meta": {"file": exported["file"]}}
    return Predictor(flavor, flavor.load(path, meta, trusted), meta, path)


def load_predictor(
    path: Path,
    meta: Mapping[str, Any] | None = None,
    *,
    strict: bool = False,
    trusted: Sequence[str] = (),
    use_onnx: bool = False,
) -> Predictor:
    """Load a saved model from ``path`` (a verified checkout of the version's files).

    ``meta`` is what :func:`save_model` returned (the registry stores it); without it the
    ``cairn-model.json`` written beside the model is read. The environment is checked first:
    a required package at another version warns once with the fix, or raises
    :class:`~cairn.errors.EnvironmentMismatch` if ``strict``. Unsafe content is refused.
    ``use_onnx=True`` serves a scikit-learn version through its ONNX export instead.
    """
    from cairn.environment.diff import check_environment

    path = Path(path)
    if not meta:
        target = path / META_FILE
        if not target.is_file():
            raise FlavorError(
                f"{path} has no {META_FILE} and no metadata was given",
                "pass the version's meta, or load a directory written by save_model",
            )
        meta = json.loads(target.read_text())
    if "flavor" not in meta:
        raise FlavorError("the version's metadata names no flavor", "log it with log_model")
    get_flavor(str(meta["flavor"]))
    check_environment(meta, strict=strict)
    return _build(path, meta, trusted=trusted, use_onnx=use_onnx)
