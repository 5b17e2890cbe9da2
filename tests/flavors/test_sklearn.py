"""scikit-learn through skops: round trips, untrusted types, ONNX export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.flavors.conftest import write_module

from cairn.errors import InvalidInput, SchemaMismatch, UnsafeModel
from cairn.flavors import load_predictor, save_model

pytest.importorskip("skops")


def _pipeline(X: Any, y: Any) -> Any:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(
        StandardScaler(), RandomForestClassifier(n_estimators=5, random_state=0)
    ).fit(X, y)


def test_pipeline_on_a_dataframe_round_trips(iris: tuple[Any, Any], dest: Path) -> None:
    X, y = iris
    model = _pipeline(X, y)
    meta = save_model(model, dest, input_example=X.head(5))
    assert meta["flavor"] == "sklearn" and meta["format"] == "skops"
    assert meta["safety"]["safe"] is True
    assert (dest / "model.skops").is_file() and (dest / "input_example.json").is_file()
    assert any(r.startswith("scikit-learn==") for r in meta["requirements"])
    assert any(r.startswith("skops==") for r in meta["requirements"])
    json.dumps(meta)  # JSON-able, the registry stores it as is

    predictor = load_predictor(dest, meta)
    expected = model.predict(X)
    assert predictor.flavor == "sklearn"
    np.testing.assert_array_equal(predictor.predict(X), expected)
    np.testing.assert_array_equal(predictor.predict(X.to_dict("records")), expected)
    np.testing.assert_array_equal(predictor.predict(X.to_numpy().tolist()), expected)
    np.testing.assert_array_equal(predictor.predict(X.to_numpy()), expected)
    assert type(predictor.raw).__name__ == "Pipeline"


def test_numpy_model_and_metadata_from_the_directory(iris: tuple[Any, Any], dest: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    X, y = iris
    arr = X.to_numpy()
    model = LogisticRegression(max_iter=500).fit(arr, y)
    save_model(model, dest, input_example=arr[:3], predict_method="predict_proba")
    predictor = load_predictor(dest)  # reads cairn-model.json
    np.testing.assert_array_equal(predictor.predict(arr), model.predict_proba(arr))
    assert predictor.signature is not None
    assert predictor.signature["inputs"] == {"type": "tensor", "dtype": "float64", "shape": [-1, 4]}
    assert predictor.signature["outputs"]["shape"] == [-1, 3]
    with pytest.raises(SchemaMismatch, match=r"expected shape \(-1, 4\), got \(2, 3\)"):
        predictor.predict(arr[:2, :3])


def test_wrong_column_type_is_named(iris: tuple[Any, Any], dest: Path) -> None:
    X, y = iris
    meta = save_model(_pipeline(X, y), dest, input_example=X.head())
    predictor = load_predictor(dest, meta)
    bad = X.head(2).astype({"sepal_width": str})
    with pytest.raises(SchemaMismatch, match="column 'sepal_width': expected float64, got string"):
        predictor.predict(bad)
    with pytest.raises(SchemaMismatch, match="column 'petal_width' missing"):
        predictor.predict(X.drop(columns=["petal_width"]))


def test_untrusted_types_are_refused_with_the_allow_list_hint(
    iris: tuple[Any, Any], dest: Path, tmp_path: Path
) -> None:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer
    from sklearn.tree import DecisionTreeClassifier

    write_module(tmp_path / "src", "cairn_test_feats", "def double(x):\n    return x * 2\n")
    import cairn_test_feats

    X, y = iris
    model = make_pipeline(
        FunctionTransformer(cairn_test_feats.double), DecisionTreeClassifier(random_state=0)
    ).fit(X.to_numpy(), y)
    with pytest.raises(UnsafeModel) as refused:
        save_model(model, dest)
    assert "cairn_test_feats.double" in str(refused.value)
    assert "trusted=['cairn_test_feats.double']" in str(refused.value)
    assert not (dest / "model.skops").exists()

    other = tmp_path / "ok"
    meta = save_model(model, other, trusted=["cairn_test_feats.double"])
    assert "cairn_test_feats.double" in meta["flavor_meta"]["trusted"]
    predictor = load_predictor(other, meta)
    np.testing.assert_array_equal(predictor.predict(X.to_numpy()), model.predict(X.to_numpy()))


def test_types_that_run_code_are_never_trusted(iris: tuple[Any, Any], dest: Path) -> None:
    from sklearn.preprocessing import FunctionTransformer

    model = FunctionTransformer(eval)
    with pytest.raises(UnsafeModel, match=r"never trusts: builtins\.eval"):
        save_model(model, dest, trusted=["builtins.eval"], predict_method="transform")


def test_tampered_trust_list_is_refused_at_load(iris: tuple[Any, Any], tmp_path: Path) -> None:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer
    from sklearn.tree import DecisionTreeClassifier

    write_module(tmp_path / "src", "cairn_test_feats2", "def triple(x):\n    return x * 3\n")
    import cairn_test_feats2

    X, y = iris
    model = make_pipeline(
        FunctionTransformer(cairn_test_feats2.triple), DecisionTreeClassifier()
    ).fit(X.to_numpy(), y)
    meta = save_model(model, tmp_path / "m", trusted=["cairn_test_feats2.triple"])
    meta["flavor_meta"]["trusted"] = []
    with pytest.raises(UnsafeModel, match="not allow-listed"):
        load_predictor(tmp_path / "m", meta)


def test_onnx_export_predicts_the_same_labels(iris: tuple[Any, Any], dest: Path) -> None:
    pytest.importorskip("skl2onnx")
    pytest.importorskip("onnxruntime")
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = iris
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y)
    meta = save_model(model, dest, input_example=X.head(3), onnx=True)
    assert (dest / "model.onnx").is_file()
    assert any(r.startswith("onnxruntime==") for r in meta["requirements"])
    via_onnx = load_predictor(dest, meta, use_onnx=True)
    np.testing.assert_array_equal(via_onnx.predict(X), model.predict(X))
    np.testing.assert_array_equal(load_predictor(dest, meta).predict(X), model.predict(X))


def test_dest_must_be_empty_and_options_known(iris: tuple[Any, Any], dest: Path) -> None:
    X, y = iris
    model = _pipeline(X, y)
    dest.mkdir()
    (dest / "x").write_text("x")
    with pytest.raises(InvalidInput, match="not empty"):
        save_model(model, dest)
    with pytest.raises(InvalidInput, match="unknown option"):
        save_model(model, dest.parent / "other", colour="blue")


def test_loading_a_sklearn_model_does_not_import_pytorch(iris: tuple[Any, Any], dest: Path) -> None:
    """skops' import walks every scikit-learn module, one of which imports PyTorch when it is
    installed (+1.5 s, +180 MiB); the flavor keeps it out of a fresh process."""
    import importlib.util
    import subprocess
    import sys

    from sklearn.linear_model import LogisticRegression

    if importlib.util.find_spec("torch") is None:
        pytest.skip("PyTorch is not installed, so there is nothing to keep out")
    x, y = iris
    model = LogisticRegression(max_iter=500).fit(x, y)
    save_model(model, dest, input_example=x.head(3))
    code = (
        "import sys, json, pathlib\n"
        "from cairn.flavors import load_predictor\n"
        f"p = load_predictor(pathlib.Path({str(dest)!r}))\n"
        "print(json.dumps({'torch': 'torch' in sys.modules, 'n': len(p.predict(%r))}))\n"
        % (x.head(4).to_dict(orient="records"),)
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"torch": False, "n": 4}
