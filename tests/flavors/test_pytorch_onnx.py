"""PyTorch (state_dict as safetensors + import path + kwargs) and ONNX (onnxruntime)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.flavors.conftest import write_module

from cairn.errors import FlavorError
from cairn.flavors import load_predictor, save_model

NET = """
import torch


class TinyNet(torch.nn.Module):
    def __init__(self, n_in: int, hidden: int = 8, n_out: int = 3) -> None:
        super().__init__()
        self.body = torch.nn.Sequential(
            torch.nn.Linear(n_in, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, n_out)
        )

    def forward(self, x):
        return self.body(x)
"""


def _train(module: Any, X: Any, y: Any) -> Any:
    import torch

    torch.manual_seed(0)
    data, target = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
    optimiser = torch.optim.SGD(module.parameters(), lr=0.1)
    for _ in range(30):
        optimiser.zero_grad()
        torch.nn.functional.cross_entropy(module(data), target).backward()
        optimiser.step()
    return module.eval()


def test_pytorch_round_trip_from_code_paths(iris: tuple[Any, Any], tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("safetensors")
    code = write_module(tmp_path / "src", "cairn_test_tinynet", NET)
    import cairn_test_tinynet

    X, y = iris
    arr = X.to_numpy(dtype="float32")
    torch.manual_seed(0)
    net = _train(cairn_test_tinynet.TinyNet(4, hidden=6), arr, y)
    dest = tmp_path / "m"
    meta = save_model(
        net, dest, input_example=arr[:4], init_kwargs={"n_in": 4, "hidden": 6}, code_paths=[code]
    )
    assert meta["flavor"] == "pytorch" and meta["format"] == "safetensors"
    assert (dest / "model.safetensors").is_file() and (dest / "code" / code.name).is_file()
    assert not list(dest.rglob("*.pt")) and not list(dest.rglob("*.pkl"))
    assert meta["flavor_meta"]["class"] == "cairn_test_tinynet:TinyNet"
    assert meta["signature"]["inputs"] == {"type": "tensor", "dtype": "float32", "shape": [-1, 4]}
    with torch.no_grad():
        expected = net(torch.tensor(arr)).numpy()
    predictor = load_predictor(dest, meta)
    np.testing.assert_array_equal(predictor.predict(arr), expected)
    np.testing.assert_array_equal(predictor.predict(arr.astype("float64").tolist()), expected)


def test_pytorch_refuses_main_and_bad_kwargs(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")

    class Local(torch.nn.Module):
        pass

    Local.__module__ = "__main__"
    with pytest.raises(FlavorError, match="__main__"):
        save_model(Local(), tmp_path / "a")
    write_module(tmp_path / "src", "cairn_test_tinynet2", NET)
    import cairn_test_tinynet2

    meta = save_model(cairn_test_tinynet2.TinyNet(4), tmp_path / "b")  # kwargs forgotten
    with pytest.raises(FlavorError, match="init_kwargs"):
        load_predictor(tmp_path / "b", meta)
    meta["flavor_meta"]["class"] = "os:system"
    with pytest.raises(FlavorError, match="refusing"):
        load_predictor(tmp_path / "b", meta)


def test_onnx_model_round_trips_with_graph_signature(iris: tuple[Any, Any], tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("skl2onnx")
    import onnxruntime as ort
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression

    X, y = iris
    arr = X.to_numpy(dtype="float32")
    proto = to_onnx(
        LogisticRegression(max_iter=500).fit(arr, y), arr[:1], options={"zipmap": False}
    )
    meta = save_model(proto, tmp_path / "m")
    assert meta["flavor"] == "onnx"
    inputs = meta["signature"]["inputs"]
    assert inputs["type"] == "tensors" and inputs["tensors"][0]["dtype"] == "float32"
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    expected = session.run(None, {session.get_inputs()[0].name: arr})[0]
    predictor = load_predictor(tmp_path / "m", meta)
    np.testing.assert_array_equal(predictor.predict(arr), expected)
    np.testing.assert_array_equal(predictor.predict(arr.astype("float64").tolist()), expected)
    # a .onnx file on disk is detected too
    path = tmp_path / "graph.onnx"
    path.write_bytes(proto.SerializeToString())
    meta = save_model(path, tmp_path / "f", input_example=arr[:2])
    np.testing.assert_array_equal(load_predictor(tmp_path / "f", meta).predict(arr), expected)
