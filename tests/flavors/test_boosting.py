"""XGBoost (UBJ/JSON) and LightGBM (text): identical predictions after a round trip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cairn.flavors import load_predictor, save_model


@pytest.mark.parametrize("fmt", ["ubj", "json"])
def test_xgboost_classifier_round_trips(iris: tuple[Any, Any], dest: Path, fmt: str) -> None:
    xgb = pytest.importorskip("xgboost")
    X, y = iris
    model = xgb.XGBClassifier(n_estimators=8, max_depth=3, random_state=0).fit(X, y)
    meta = save_model(model, dest, input_example=X.head(3), format=fmt)
    assert meta["flavor"] == "xgboost" and meta["format"] == fmt
    assert (dest / f"model.{fmt}").is_file()
    assert any(r.startswith("xgboost==") for r in meta["requirements"])
    predictor = load_predictor(dest, meta)
    np.testing.assert_array_equal(predictor.predict(X), model.predict(X))
    np.testing.assert_array_equal(predictor.predict(X.to_dict("records")), model.predict(X))


def test_xgboost_booster_and_predict_proba(iris: tuple[Any, Any], tmp_path: Path) -> None:
    xgb = pytest.importorskip("xgboost")
    X, y = iris
    booster = xgb.train({"objective": "multi:softprob", "num_class": 3}, xgb.DMatrix(X, y), 5)
    meta = save_model(booster, tmp_path / "b", input_example=X.head(2))
    np.testing.assert_array_equal(
        load_predictor(tmp_path / "b", meta).predict(X), booster.predict(xgb.DMatrix(X))
    )
    reg = xgb.XGBClassifier(n_estimators=4).fit(X.to_numpy(), y)
    meta = save_model(reg, tmp_path / "p", predict_method="predict_proba")
    np.testing.assert_array_equal(
        load_predictor(tmp_path / "p", meta).predict(X.to_numpy()), reg.predict_proba(X.to_numpy())
    )


@pytest.mark.parametrize("target", ["multiclass", "binary", "regression"])
def test_lightgbm_round_trips(iris: tuple[Any, Any], dest: Path, target: str) -> None:
    lgb = pytest.importorskip("lightgbm")
    X, y = iris
    if target == "multiclass":
        model = lgb.LGBMClassifier(n_estimators=10, verbose=-1).fit(X, y)
    elif target == "binary":
        labels = np.where(y == 1, "yes", "no")
        model = lgb.LGBMClassifier(n_estimators=10, verbose=-1).fit(X, labels)
    else:
        model = lgb.LGBMRegressor(n_estimators=10, verbose=-1).fit(X, X["petal_width"] * 2)
    meta = save_model(model, dest, input_example=X.head(3))
    assert meta["flavor"] == "lightgbm" and meta["format"] == "text"
    assert (dest / "model.txt").read_text().startswith("tree")
    predictor = load_predictor(dest, meta)
    np.testing.assert_array_equal(predictor.predict(X), model.predict(X))


def test_lightgbm_booster_and_probabilities(iris: tuple[Any, Any], tmp_path: Path) -> None:
    lgb = pytest.importorskip("lightgbm")
    X, y = iris
    booster = lgb.train(
        {"objective": "multiclass", "num_class": 3, "verbose": -1}, lgb.Dataset(X, y), 5
    )
    meta = save_model(booster, tmp_path / "b")
    np.testing.assert_array_equal(
        load_predictor(tmp_path / "b", meta).predict(X), booster.predict(X)
    )
    clf = lgb.LGBMClassifier(n_estimators=5, verbose=-1).fit(X, y)
    meta = save_model(clf, tmp_path / "c", predict_method="predict_proba")
    np.testing.assert_array_equal(
        load_predictor(tmp_path / "c", meta).predict(X), clf.predict_proba(X)
    )
