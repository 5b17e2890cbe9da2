"""Flavors come from entry points (group ``cairn.flavors``) and the registration hook."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cairn.errors import FlavorError
from cairn.flavors import base, describe, flavor_names, get_flavor, load_predictor, save_model

PLUGIN = """
import json
from cairn.flavors.base import Flavor, SaveResult


class Doubler:
    def __init__(self, factor):
        self.factor = factor


class DoublerFlavor(Flavor):
    name = "doubler"

    def detect(self, obj):
        return type(obj).__name__ == "Doubler"

    def save(self, obj, dest, ctx):
        (dest / "factor.json").write_text(json.dumps(obj.factor))
        return SaveResult(format="json", flavor_meta={"file": "factor.json"}, requirements=[])

    def load(self, path, meta, trusted):
        return Doubler(json.loads((path / "factor.json").read_text()))

    def predict(self, raw, data, meta):
        return data * raw.factor
"""


@pytest.fixture
def fake_distribution(tmp_path: Path) -> Iterator[Any]:
    """An installed distribution 'cairn-doubler' that declares a cairn.flavors entry point."""
    site = tmp_path / "site"
    info = site / "cairn_doubler-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: cairn-doubler\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[cairn.flavors]\ndoubler = cairn_doubler:DoublerFlavor\n"
    )
    (site / "cairn_doubler.py").write_text(PLUGIN)
    sys.path.insert(0, str(site))
    saved = dict(base._registry), base._loaded_entry_points
    base._loaded_entry_points = False
    try:
        import cairn_doubler

        yield cairn_doubler
    finally:
        sys.path.remove(str(site))
        sys.modules.pop("cairn_doubler", None)
        base._registry.clear()
        base._registry.update(saved[0])
        base._loaded_entry_points = saved[1]


def test_builtins_are_declared_as_entry_points() -> None:
    text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    for name, target in base._BUILTINS.items():
        assert f'{name} = "{target}"' in text
    assert {"sklearn", "xgboost", "lightgbm", "pytorch", "onnx", "python_function"} <= set(
        flavor_names()
    )


def test_a_third_party_flavor_from_an_entry_point(fake_distribution: Any, tmp_path: Path) -> None:
    import numpy as np

    assert "doubler" in flavor_names()
    meta = save_model(fake_distribution.Doubler(3), tmp_path / "m", input_example=np.ones((2, 2)))
    assert meta["flavor"] == "doubler" and meta["format"] == "json"
    predictor = load_predictor(tmp_path / "m", meta)
    np.testing.assert_array_equal(predictor.predict([[1.0, 2.0]]), [[3.0, 6.0]])


def test_registration_hook_and_unknown_flavors() -> None:
    class Named(base.Flavor):
        name = "named-for-test"

    try:
        flavor = base.register_flavor(Named)
        assert get_flavor("named-for-test") is flavor
        with pytest.raises(FlavorError, match="already registered"):

            class Other(base.Flavor):
                name = "named-for-test"

            base.register_flavor(Other)
    finally:
        base._registry.pop("named-for-test", None)
    with pytest.raises(FlavorError, match="no flavor named 'nope'"):
        get_flavor("nope")


def test_describe_gives_readable_lines(iris: tuple[Any, Any], tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    X, y = iris
    meta = save_model(
        LogisticRegression(max_iter=300).fit(X, y), tmp_path / "m", input_example=X[:2]
    )
    lines = describe(meta)
    assert lines["flavor"] == "sklearn (skops)"
    assert lines["inputs"].startswith("columns sepal_length: float64")
    assert lines["outputs"] == "tensor int64 (-1)"
    assert lines["safety"] == "safe (skops)"
    assert "Python" in lines["environment"] and "scikit-learn==" in lines["requirements"]
    assert describe({}) == {}


def test_importing_flavors_stays_light() -> None:
    import subprocess

    code = (
        "import sys, cairn.flavors, cairn.environment; "
        "from cairn.flavors import save_model, load_predictor, Predictor; "
        "heavy = {'numpy', 'pandas', 'sklearn', 'torch', 'skops', 'xgboost', 'onnxruntime'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
