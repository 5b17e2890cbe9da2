"""XGBoost boosters and scikit-learn wrappers, saved in XGBoost's own UBJ (or JSON) format."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cairn.errors import FlavorError
from cairn.flavors.base import (
    Flavor,
    SaveContext,
    SaveResult,
    class_path,
    import_class,
    inside,
    require,
)

__all__ = ["XGBoostFlavor"]


class XGBoostFlavor(Flavor):
    name = "xgboost"
    priority = 10

    def detect(self, obj: Any) -> bool:
        return type(obj).__module__.split(".")[0] == "xgboost"

    def save(self, obj: Any, dest: Path, ctx: SaveContext) -> SaveResult:
        xgb = require("xgboost", "xgboost")
        fmt = ctx.options.pop("format", "ubj")
        if fmt not in ("ubj", "json"):
            raise FlavorError(f"unknown XGBoost format {fmt!r}", "use format='ubj' or 'json'")
        if not isinstance(obj, xgb.Booster | xgb.XGBModel):
            raise FlavorError(
                f"{class_path(obj)} is not an XGBoost Booster or model", "pass the fitted model"
            )
        filename = f"model.{fmt}"
        obj.save_model(str(dest / filename))
        method = ctx.options.pop("predict_method", "predict")
        meta = {"file": filename, "class": class_path(obj), "predict_method": method}
        return SaveResult(format=fmt, flavor_meta=meta, requirements=["xgboost", "numpy"])

    def load(self, path: Path, meta: Mapping[str, Any], trusted: Sequence[str]) -> Any:
        xgb = require("xgboost", "xgboost")
        fmeta = meta.get("flavor_meta", {})
        cls = import_class(fmeta.get("class", "xgboost.core:Booster"), allowed_roots=["xgboost"])
        if not (isinstance(cls, type) and issubclass(cls, xgb.Booster | xgb.XGBModel)):
            raise FlavorError(
                f"{fmeta.get('class')} is not an XGBoost model", "the metadata looks tampered"
            )
        model = cls()
        model.load_model(str(inside(path, fmeta["file"])))
        return model

    def predict(self, raw: Any, data: Any, meta: Mapping[str, Any]) -> Any:
        import xgboost as xgb

        if isinstance(raw, xgb.Booster):
            return raw.predict(xgb.DMatrix(data))
        method = meta.get("flavor_meta", {}).get("predict_method", "predict")
        return getattr(raw, method)(data)
