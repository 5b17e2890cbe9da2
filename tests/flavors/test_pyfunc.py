"""The python-function flavor: a user class, its code files and its artifacts."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.flavors.conftest import write_module

from cairn.errors import FlavorError
from cairn.flavors import load_predictor, save_model

SCORER = """
import json

from cairn.flavors.pyfunc import PythonModel


class RuleScorer(PythonModel):
    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset
        self.weights = None

    def load(self, context):
        self.weights = json.loads(context.artifacts["weights"].read_text())

    def predict(self, model_input):
        total = sum(model_input[c] * w for c, w in self.weights.items())
        return (total + self.offset).to_numpy()
"""


def test_user_class_with_code_and_artifacts(tmp_path: Path) -> None:
    code = write_module(tmp_path / "src", "cairn_test_scorer", SCORER)
    import cairn_test_scorer

    weights = tmp_path / "weights.json"
    weights.write_text(json.dumps({"a": 2.0, "b": -1.0}))
    model = cairn_test_scorer.RuleScorer(offset=0.5)
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [0.5, 0.0, 1.0]})
    dest = tmp_path / "m"
    meta = save_model(
        model,
        dest,
        input_example=frame,
        code_paths=[code],
        artifacts={"weights": weights},
        init_kwargs={"offset": 0.5},
    )
    assert meta["flavor"] == "python_function"
    assert meta["safety"]["safe"] is True and meta["safety"]["scan"]["runs_code"] is True
    assert (dest / "code" / "cairn_test_scorer.py").is_file()
    assert (dest / "artifacts" / "weights" / "weights.json").is_file()

    # load from a copy in a fresh place, with the original source gone from the import path
    sys.path.remove(str(tmp_path / "src"))
    sys.modules.pop("cairn_test_scorer", None)
    (tmp_path / "src" / "cairn_test_scorer.py").unlink()
    predictor = load_predictor(dest, meta)
    expected = np.array([2.0 * 1 - 0.5 + 0.5, 4.5, 5.5])
    np.testing.assert_array_equal(predictor.predict(frame), expected)
    np.testing.assert_array_equal(predictor.predict(frame.to_dict("records")), expected)
    assert predictor.raw.offset == 0.5
    assert str(Path(sys.modules["cairn_test_scorer"].__file__ or "").parent).startswith(str(dest))


def test_duck_typed_class_is_detected_and_main_is_refused(tmp_path: Path) -> None:
    code = write_module(
        tmp_path / "src",
        "cairn_test_duck",
        "class Echo:\n    def load(self, context):\n        pass\n"
        "    def predict(self, x):\n        return x\n",
    )
    import cairn_test_duck

    meta = save_model(cairn_test_duck.Echo(), tmp_path / "m", code_paths=[code])
    assert meta["flavor"] == "python_function"
    out: Any = load_predictor(tmp_path / "m", meta).predict([[1, 2]])
    np.testing.assert_array_equal(out, [[1, 2]])

    class Local:
        def load(self, context: Any) -> None: ...
        def predict(self, x: Any) -> Any:
            return x

    Local.__module__ = "__main__"
    with pytest.raises(FlavorError, match="__main__"):
        save_model(Local(), tmp_path / "n")
