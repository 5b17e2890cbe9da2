"""skops' trusted type names, computed once and reused: same trust, no module walk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cairn.flavors import save_model

pytest.importorskip("skops")

# Loads the model in a fresh process and reports what that process imported and trusted.
PROBE = """
import json, pathlib, sys
from cairn.flavors import load_predictor
from cairn.flavors.skops_import import TRUSTED_TYPES, trusted_types_cache
p = load_predictor(pathlib.Path(sys.argv[1]))
lists = {k: v for k, v in vars(sys.modules[TRUSTED_TYPES]).items() if k.endswith("_NAMES")}
print(json.dumps({
    "prediction": p.predict([[5.1, 3.5, 1.4, 0.2]]).tolist(),
    "walked": "sklearn.ensemble" in sys.modules,
    "lists": lists,
    "cache": str(trusted_types_cache()),
}))
"""


def _probe(model_dir: Path, home: Path) -> dict[str, Any]:
    env = {**os.environ, "CAIRN_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(model_dir)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    x, y = load_iris(return_X_y=True)
    dest = tmp_path_factory.mktemp("skops") / "model"
    save_model(LogisticRegression(max_iter=500).fit(x, y), dest, input_example=x[:3])
    return dest


def test_the_second_process_reuses_the_lists_instead_of_walking_scikit_learn(
    model_dir: Path, tmp_path: Path
) -> None:
    first = _probe(model_dir, tmp_path)
    cache = Path(first["cache"])
    assert first["walked"] is True  # skops' own import imports every estimator module
    assert cache.is_file() and cache.parent == tmp_path / "cache"
    assert cache.stat().st_mode & 0o777 == 0o600
    assert cache.parent.stat().st_mode & 0o777 == 0o700

    second = _probe(model_dir, tmp_path)
    assert second["walked"] is False
    assert second["lists"] == first["lists"]  # exactly what skops computed: trust unchanged
    assert second["prediction"] == first["prediction"] == [0]
    assert "sklearn.linear_model._logistic.LogisticRegression" in (
        second["lists"]["SKLEARN_ESTIMATOR_TYPE_NAMES"]
    )


@pytest.mark.parametrize(
    "tamper",
    ["foreign_name", "group_writable", "not_json"],
)
def test_a_tampered_cache_is_ignored_and_rewritten(
    model_dir: Path, tmp_path: Path, tamper: str
) -> None:
    cache = Path(_probe(model_dir, tmp_path)["cache"])
    honest = json.loads(cache.read_text())
    if tamper == "foreign_name":
        cache.write_text(json.dumps({**honest, "PRIMITIVE_TYPE_NAMES": ["os.system"]}))
    elif tamper == "group_writable":
        cache.write_text(json.dumps({**honest, "PRIMITIVE_TYPE_NAMES": ["builtins.eval"]}))
        cache.chmod(0o664)
    else:
        cache.write_text("{not json")

    again = _probe(model_dir, tmp_path)
    assert again["walked"] is True  # the plain import ran
    assert "os.system" not in again["lists"]["PRIMITIVE_TYPE_NAMES"]
    assert "builtins.eval" not in again["lists"]["PRIMITIVE_TYPE_NAMES"]
    assert json.loads(cache.read_text()) == honest
    assert cache.stat().st_mode & 0o777 == 0o600


def test_an_unwritable_home_only_costs_time(model_dir: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("a file where the folder should be")
    first = _probe(model_dir, home)
    second = _probe(model_dir, home)
    assert first["prediction"] == second["prediction"] == [0]
    assert second["walked"] is True
