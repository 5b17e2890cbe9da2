"""Small real datasets and trained models for the flavor tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def iris() -> tuple[Any, Any]:
    """Iris as a DataFrame (4 float columns) and its integer labels."""
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True, as_frame=True)
    X.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    return X, y.to_numpy()


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "model"


def write_module(directory: Path, name: str, source: str) -> Path:
    """Write ``name.py`` into ``directory`` and make it importable for the test."""
    import importlib
    import sys

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.py"
    path.write_text(source)
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))
    sys.modules.pop(name, None)
    importlib.invalidate_caches()
    return path
