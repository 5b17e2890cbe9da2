"""Environment capture, the marker-aware diff, and the load-time check."""

from __future__ import annotations

import platform
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from cairn.environment import capture_environment, diff_environment
from cairn.environment.diff import EnvironmentWarning, _warned
from cairn.errors import EnvironmentMismatch

NUMPY = metadata.version("numpy")


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    return capture_environment(["scikit-learn", "numpy"])


def test_capture_records_what_matters(recorded: dict[str, Any]) -> None:
    json_safe = __import__("json").dumps(recorded)
    assert json_safe
    assert recorded["python"] == platform.python_version()
    assert recorded["platform"]["machine"] == platform.machine()
    assert recorded["cpu"]["count"] >= 1
    assert recorded["gpu"] is None or "name" in recorded["gpu"]
    assert recorded["packages"]["numpy"] == NUMPY
    assert f"numpy=={NUMPY}" in recorded["requirements"]
    assert recorded["requirements"][0].startswith("scikit-learn==")
    # scipy is a dependency of scikit-learn here; pytest is not
    assert "scipy" in recorded["dependencies"] and "pytest" not in recorded["dependencies"]


def test_same_environment_matches(recorded: dict[str, Any]) -> None:
    diff = diff_environment(recorded)
    assert diff.verdict == "match", diff.summary()
    assert diff.problems == [] and diff.fix is None
    # only packages that matter are reported (no pytest, no ruff...)
    names = {p.name for p in diff.packages}
    assert "numpy" in names and "pytest" not in names


def test_changed_required_package_is_a_mismatch_with_the_fix(recorded: dict[str, Any]) -> None:
    old = {**recorded, "requirements": ["scikit-learn==0.24.2", f"numpy=={NUMPY}"]}
    diff = diff_environment(old)
    assert diff.verdict == "mismatch"
    [problem] = diff.problems
    assert problem.name == "scikit-learn" and problem.recorded == "0.24.2"
    assert diff.fix == "pip install 'scikit-learn==0.24.2'"
    assert "scikit-learn 0.24.2 recorded" in diff.summary()
    assert diff.to_dict()["verdict"] == "mismatch"


def test_missing_package_and_markers(recorded: dict[str, Any]) -> None:
    env = {
        **recorded,
        "requirements": [
            f"numpy=={NUMPY}",
            "pywin32==306; sys_platform == 'win32'",
            "no-such-dist-cairn==1.0",
        ],
    }
    diff = diff_environment(env)
    by_name = {p.name: p for p in diff.packages}
    if platform.system() != "Windows":
        assert by_name["pywin32"].status == "not-needed"
    assert by_name["no-such-dist-cairn"].status == "missing"
    assert diff.verdict == "mismatch"


def test_dependency_drift_is_only_compatible(recorded: dict[str, Any]) -> None:
    env = {**recorded, "dependencies": {**recorded["dependencies"], "scipy": "0.1.0"}}
    diff = diff_environment(env)
    assert diff.verdict == "compatible"
    assert "scipy 0.1.0 ->" in diff.summary()
    # a dependency that this platform does not need is not noise
    env = {**recorded, "dependencies": {"tzdata-not-here": "2020.1"}}
    assert diff_environment(env).verdict == "match"


def test_against_a_given_environment(recorded: dict[str, Any]) -> None:
    current = {"python": "3.12.1", "packages": {"numpy": "1.26.0", "scikit-learn": "9.9"}}
    diff = diff_environment(recorded, current)
    assert diff.verdict == "mismatch"
    assert {p.name for p in diff.problems if p.required} == {"numpy", "scikit-learn"}
    assert diff.python_recorded == recorded["python"] and diff.python_current == "3.12.1"


def test_load_warns_once_or_fails_when_strict(iris: Any, tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    from cairn.flavors import load_predictor, save_model

    X, y = iris
    meta = save_model(LogisticRegression(max_iter=300).fit(X, y), tmp_path / "m")
    meta["requirements"] = [
        r if not r.startswith("numpy") else "numpy==1.0.0" for r in meta["requirements"]
    ]
    _warned.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_predictor(tmp_path / "m", meta)
        load_predictor(tmp_path / "m", meta)
    mine = [w for w in caught if issubclass(w.category, EnvironmentWarning)]
    assert len(mine) == 1
    assert "pip install 'numpy==1.0.0'" in str(mine[0].message)
    with pytest.raises(EnvironmentMismatch, match=r"numpy 1\.0\.0 recorded") as failed:
        load_predictor(tmp_path / "m", meta, strict=True)
    assert "pip install 'numpy==1.0.0'" in failed.value.hint


@pytest.fixture(scope="session")
def iris() -> tuple[Any, Any]:
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, y.to_numpy()
