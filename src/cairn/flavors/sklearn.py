"""scikit-learn estimators and pipelines, saved with skops (no pickle).

skops refuses to load any type it does not trust. At save time the types a model needs beyond
skops' defaults are listed; classes of scikit-learn, NumPy and SciPy (e.g. ``Tree``) are
trusted by cairn, anything else (your functions, other packages) must be allow-listed by the
user (``trusted=[...]``) or the save is refused with that list. The allow-list is recorded in
the metadata and used again at load time, minus anything on cairn's deny-list (``os``,
``builtins.eval``, ...). ``onnx=True`` also
exports an ONNX graph with skl2onnx (served by onnxruntime).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cairn.errors import FlavorError, UnsafeModel
from cairn.flavors.base import Flavor, SaveContext, SaveResult, inside, module_roots, require
from cairn.flavors.pickle_policy import denial, resolves_to_class
from cairn.flavors.skops_import import skops_io

__all__ = ["SklearnFlavor"]

MODEL_FILE = "model.skops"
ONNX_FILE = "model.onnx"


def _deny_filter(names: Sequence[str]) -> list[str]:
    """Trusted names minus anything cairn never trusts."""
    kept = []
    for name in names:
        module, _, attr = name.rpartition(".")
        if denial(module, attr) is None:
            kept.append(name)
    return kept


def _ml_class(name: str) -> bool:
    """A class of scikit-learn, NumPy or SciPy that skops does not list (``Tree``...)."""
    module, _, attr = name.rpartition(".")
    return module.split(".")[0] in ("sklearn", "numpy", "scipy") and resolves_to_class(module, attr)


def export_onnx(model: Any, example: Any, dest: Path) -> dict[str, Any]:
    """Convert a fitted estimator to ONNX with skl2onnx; the example fixes the input types."""
    require("skl2onnx", "onnx")
    import numpy as np
    from skl2onnx import to_onnx

    from cairn.flavors.signature import _is_frame

    if example is None:
        raise FlavorError(
            "onnx=True needs an input_example to fix the input types", "pass input_example=..."
        )
    if _is_frame(example) and not all(k in "iufb" for k in example.dtypes.map(lambda d: d.kind)):
        sample = example  # mixed types: one graph input per column
    else:
        sample = np.asarray(example)
        if sample.dtype.kind in "iuf":
            sample = sample.astype(np.float32)
    try:
        proto = to_onnx(model, sample, options={"zipmap": False}, target_opset=None)
    except Exception:
        try:
            proto = to_onnx(model, sample)
        except Exception as exc:
            raise FlavorError(
                f"skl2onnx cannot convert this model ({exc})", "log it without onnx=True"
            ) from exc
    (dest / ONNX_FILE).write_bytes(proto.SerializeToString())
    return {"file": ONNX_FILE, "inputs": [i.name for i in proto.graph.input]}


class SklearnFlavor(Flavor):
    name = "sklearn"
    priority = 20

    def detect(self, obj: Any) -> bool:
        return "sklearn" in module_roots(obj)

    def save(self, obj: Any, dest: Path, ctx: SaveContext) -> SaveResult:
        sio = skops_io()

        target = dest / MODEL_FILE
        sio.dump(obj, target)
        needed = sorted(sio.get_untrusted_types(file=target))
        trusted = [*ctx.trusted, *(t for t in needed if _ml_class(t))]
        refused = [t for t in needed if t not in trusted or t not in _deny_filter([t])]
        if refused:
            target.unlink()
            denied = [t for t in refused if not _deny_filter([t])]
            if denied:
                raise UnsafeModel(
                    f"the model contains types cairn never trusts: {', '.join(denied)}",
                    "replace them (e.g. use a named function instead of a builtin that runs code)",
                )
            raise UnsafeModel(
                f"the model contains types skops does not trust by default: {', '.join(refused)}",
                f"if you trust them, pass trusted={refused!r}",
            )
        meta: dict[str, Any] = {
            "file": MODEL_FILE,
            "class": f"{type(obj).__module__}.{type(obj).__qualname__}",
            "trusted": needed,
            "predict_method": ctx.options.pop("predict_method", "predict"),
        }
        if not hasattr(obj, meta["predict_method"]):
            raise FlavorError(
                f"{meta['class']} has no method {meta['predict_method']!r}",
                "pass predict_method='predict' (or another method the model has)",
            )
        requirements = ["scikit-learn", "skops", "numpy"]
        if ctx.onnx:
            meta["onnx"] = export_onnx(obj, ctx.input_example, dest)
        return SaveResult(format="skops", flavor_meta=meta, requirements=requirements)

    def load(self, path: Path, meta: Mapping[str, Any], trusted: Sequence[str]) -> Any:
        sio = skops_io()
        from skops.io.exceptions import UntrustedTypesFoundException

        fmeta = meta.get("flavor_meta", {})
        allowed = _deny_filter([*fmeta.get("trusted", []), *trusted])
        try:
            return sio.load(inside(path, fmeta.get("file", MODEL_FILE)), trusted=allowed)
        except UntrustedTypesFoundException as exc:
            raise UnsafeModel(
                f"the stored model holds types that were not allow-listed when it was logged "
                f"({exc})",
                "do not load it unless you trust it; then pass trusted=[...] to load it",
            ) from exc

    def predict(self, raw: Any, data: Any, meta: Mapping[str, Any]) -> Any:
        method = meta.get("flavor_meta", {}).get("predict_method", "predict")
        return getattr(raw, method)(data)
