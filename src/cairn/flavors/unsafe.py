"""Pickle, joblib and cloudpickle files: accepted only with ``unsafe=True``, always scanned.

The bytes are scanned (:mod:`cairn.flavors.pickle_scan`) before they are written at log time
and again before they are read at load time; anything outside the allow-list (plus the
``trusted=`` names recorded at log time and given at load time) is refused, and whatever
passes is still marked unsafe (``meta["safety"]["safe"] is False``) so a policy can keep it out
of production. ``save_model`` takes the object itself or the path of an existing file.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cairn.errors import FlavorError, UnsafeModel
from cairn.flavors.base import Flavor, SaveContext, SaveResult, class_path, inside
from cairn.flavors.pickle_scan import ensure_safe, scan_bytes

__all__ = ["PickleFlavor"]

_SERIALIZERS = ("pickle", "joblib", "cloudpickle")


def _dump(obj: Any, serializer: str) -> bytes:
    buffer = io.BytesIO()
    if serializer == "pickle":
        pickle.dump(obj, buffer, protocol=pickle.HIGHEST_PROTOCOL)
    elif serializer == "joblib":
        import joblib  # type: ignore[import-untyped]

        joblib.dump(obj, buffer)
    else:
        import cloudpickle  # type: ignore[import-untyped]

        cloudpickle.dump(obj, buffer)
    return buffer.getvalue()


class PickleFlavor(Flavor):
    name = "pickle"
    priority = 1000

    def detect(self, obj: Any) -> bool:
        return False  # only by request (unsafe=True)

    def save(self, obj: Any, dest: Path, ctx: SaveContext) -> SaveResult:
        if not ctx.unsafe:
            raise UnsafeModel(
                "pickle-based formats can run arbitrary code when loaded",
                "use a safe flavor, or pass unsafe=True if you trust this model",
            )
        serializer = ctx.options.pop("serializer", "joblib" if _has("joblib") else "pickle")
        if serializer not in _SERIALIZERS:
            raise FlavorError(f"unknown serializer {serializer!r}", f"use one of {_SERIALIZERS}")
        if isinstance(obj, Path):
            data = obj.read_bytes()
            source = obj.name
            filename = "model" + (obj.suffix or ".pkl")
            model_class = None
        else:
            data = _dump(obj, serializer)
            source = class_path(obj)
            filename = "model.joblib" if serializer == "joblib" else "model.pkl"
            model_class = class_path(obj)
        report = scan_bytes(data, ctx.trusted, name=source)
        ensure_safe(report, source)
        (dest / filename).write_bytes(data)
        method = ctx.options.pop("predict_method", "predict")
        meta = {
            "file": filename,
            "serializer": serializer if model_class else _guess(report.format),
            "class": model_class,
            "trusted": sorted(set(ctx.trusted)),
            "predict_method": method,
        }
        return SaveResult(
            format=meta["serializer"],
            flavor_meta=meta,
            requirements=_requirements(report.globals, meta["serializer"]),
            safe=False,
            scan=report.to_dict(),
        )

    def load(self, path: Path, meta: Mapping[str, Any], trusted: Sequence[str]) -> Any:
        fmeta = meta.get("flavor_meta", {})
        target = inside(path, fmeta.get("file", "model.pkl"))
        data = target.read_bytes()
        allowed = [*fmeta.get("trusted", []), *trusted]
        report = scan_bytes(data, allowed, name=target.name)
        ensure_safe(report, target.name)  # before a single byte is unpickled
        if fmeta.get("serializer") == "joblib" or report.format.startswith("joblib"):
            import joblib

            return joblib.load(io.BytesIO(data))
        return pickle.loads(data)  # noqa: S301 - scanned just above against the allow-list

    def predict(self, raw: Any, data: Any, meta: Mapping[str, Any]) -> Any:
        method = meta.get("flavor_meta", {}).get("predict_method", "predict")
        fn = getattr(raw, method, None)
        if not callable(fn):
            raise FlavorError(f"the unpickled object has no {method}()", "log a model object")
        return fn(data)


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _guess(fmt: str) -> str:
    return "joblib" if fmt.startswith("joblib") else "pickle"


def _requirements(globals_: Sequence[str], serializer: str) -> list[str]:
    names = {"sklearn": "scikit-learn", "numpy": "numpy", "scipy": "scipy", "pandas": "pandas",
             "xgboost": "xgboost", "lightgbm": "lightgbm", "torch": "torch"}  # fmt: skip
    needed = {names[g.split(".")[0]] for g in globals_ if g.split(".")[0] in names}
    if serializer == "joblib" or any(g.startswith("joblib.") for g in globals_):
        needed.add("joblib")
    return sorted(needed)
