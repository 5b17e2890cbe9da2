"""LightGBM boosters and scikit-learn wrappers, saved in LightGBM's text format.

The text file holds the booster; for a classifier the class labels are kept in the metadata
and ``predict`` maps the booster's probabilities back to labels exactly as
``LGBMClassifier.predict`` does (argmax, first class on ties).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cairn.errors import FlavorError
from cairn.flavors.base import (
    Flavor,
    SaveContext,
    SaveResult,
    check_json,
    class_path,
    inside,
    require,
)

__all__ = ["LightGBMFlavor"]

MODEL_FILE = "model.txt"


class LightGBMFlavor(Flavor):
    name = "lightgbm"
    priority = 10

    def detect(self, obj: Any) -> bool:
        return type(obj).__module__.split(".")[0] == "lightgbm"

    def save(self, obj: Any, dest: Path, ctx: SaveContext) -> SaveResult:
        lgb = require("lightgbm", "lightgbm")
        method = ctx.options.pop("predict_method", "predict")
        meta: dict[str, Any] = {"file": MODEL_FILE, "class": class_path(obj), "kind": "booster"}
        if isinstance(obj, lgb.Booster):
            booster = obj
        elif isinstance(obj, lgb.LGBMModel):
            booster = obj.booster_
            meta["kind"] = "classifier" if isinstance(obj, lgb.LGBMClassifier) else "regressor"
            if meta["kind"] == "classifier":
                classes = obj.classes_
                meta["classes"] = check_json(classes.tolist(), "the classifier's classes")
                meta["classes_dtype"] = str(classes.dtype)
        else:
            raise FlavorError(f"{class_path(obj)} is not a LightGBM model", "pass the fitted model")
        if method not in ("predict", "predict_proba"):
            raise FlavorError(f"unknown predict_method {method!r}", "use predict or predict_proba")
        meta["predict_method"] = method
        booster.save_model(str(dest / MODEL_FILE))
        return SaveResult(format="text", flavor_meta=meta, requirements=["lightgbm", "numpy"])

    def load(self, path: Path, meta: Mapping[str, Any], trusted: Sequence[str]) -> Any:
        lgb = require("lightgbm", "lightgbm")
        fmeta = meta.get("flavor_meta", {})
        return lgb.Booster(model_file=str(inside(path, fmeta.get("file", MODEL_FILE))))

    def predict(self, raw: Any, data: Any, meta: Mapping[str, Any]) -> Any:
        import numpy as np

        fmeta = meta.get("flavor_meta", {})
        out = raw.predict(data)
        if fmeta.get("kind") != "classifier":
            return out
        proba = np.vstack((1.0 - out, out)).T if out.ndim == 1 else out
        if fmeta.get("predict_method") == "predict_proba":
            return proba
        classes = np.asarray(fmeta["classes"], dtype=fmeta.get("classes_dtype"))
        return classes[np.argmax(proba, axis=1)]
