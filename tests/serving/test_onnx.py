"""``--onnx``: a scikit-learn version served through its ONNX export (onnxruntime)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import cairn

from .conftest import make_data


def test_serve_the_onnx_export(
    model_registry: Any, launch: Callable[..., Any], tmp_path: Any
) -> None:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("skl2onnx")
    from sklearn.linear_model import LogisticRegression

    X, y = make_data()
    model = LogisticRegression(max_iter=500).fit(X, y)
    reg = cairn.open(tmp_path / "registry")
    reg.log_model(model, name="iris", input_example=X.head(5), onnx=True)
    reg.log_model(model, name="plain", input_example=X.head(5))  # no export: served natively
    reg.close()
    server = launch(tmp_path / "registry", "iris/1", "plain/1", "--onnx")
    rows = model_registry.rows
    expected = model.predict(X.head(20)).tolist()
    with server.client() as c:
        for name in ("iris", "plain"):
            r = c.post(f"/predict/{name}", json=rows)
            assert r.status_code == 200, r.text
            assert r.json()["predictions"] == expected
        bad = c.post("/predict/iris", json=[{"sepal_length": "x"}])
        assert bad.status_code == 400
    assert "has no ONNX export" in server.output()
    assert server.stop() in (0, -15)
