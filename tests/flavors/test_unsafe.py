"""Pickle/joblib/cloudpickle: only with unsafe=True, scanned at log time and at load time."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.flavors import malicious

from cairn.errors import FlavorError, UnsafeModel
from cairn.flavors import describe, load_predictor, save_model


def _model(iris: tuple[Any, Any]) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    X, y = iris
    return RandomForestClassifier(n_estimators=4, random_state=0).fit(X.to_numpy(), y)


@pytest.fixture
def spy_unpickling(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record (and block) every attempt to unpickle."""
    calls: list[str] = []

    def blocked(*_args: Any, **_kwargs: Any) -> Any:
        calls.append("unpickle")
        raise AssertionError("unpickled before the refusal")

    import joblib

    monkeypatch.setattr(pickle, "loads", blocked)
    monkeypatch.setattr(pickle, "load", blocked)
    monkeypatch.setattr(joblib, "load", blocked)
    return calls


@pytest.mark.parametrize("serializer", ["pickle", "joblib", "cloudpickle"])
def test_pickled_model_round_trips_and_is_marked_unsafe(
    iris: tuple[Any, Any], dest: Path, serializer: str
) -> None:
    pytest.importorskip(serializer)
    X, _ = iris
    model = _model(iris)
    meta = save_model(
        model,
        dest,
        flavor="pickle",
        unsafe=True,
        serializer=serializer,
        input_example=X.to_numpy()[:3],
    )
    assert meta["flavor"] == "pickle"
    assert meta["safety"]["safe"] is False
    assert meta["safety"]["scan"]["safe"] is True
    assert any(g.startswith("sklearn.") for g in meta["safety"]["scan"]["globals"])
    assert any(r.startswith("scikit-learn==") for r in meta["requirements"])
    predictor = load_predictor(dest, meta)
    np.testing.assert_array_equal(predictor.predict(X.to_numpy()), model.predict(X.to_numpy()))
    assert describe(meta)["safety"].startswith("UNSAFE (")


def test_pickle_needs_unsafe_true(iris: tuple[Any, Any], dest: Path) -> None:
    with pytest.raises(UnsafeModel, match="unsafe=True"):
        save_model(_model(iris), dest, flavor="pickle")


def test_unknown_objects_are_pickled_only_with_unsafe(dest: Path) -> None:
    class Opaque:
        def predict(self, x: Any) -> Any:
            return x

    with pytest.raises(FlavorError, match="unsafe=True"):
        save_model(Opaque(), dest)


@pytest.mark.parametrize(
    "payload",
    [
        malicious.direct_os_system(),
        malicious.VIA_IMPORTLIB,
        malicious.VIA_EVAL,
        malicious.VIA_DUNDER_IMPORT,
        malicious.gzipped(malicious.direct_os_system()),
    ],
    ids=["os-system", "importlib", "eval", "dunder-import", "gzipped"],
)
def test_malicious_file_is_refused_at_log_time(
    tmp_path: Path, payload: bytes, spy_unpickling: list[str]
) -> None:
    source = tmp_path / "model.pkl"
    source.write_bytes(payload)
    with pytest.raises(UnsafeModel, match="refused"):
        save_model(source, tmp_path / "dest", unsafe=True, flavor="pickle")
    assert spy_unpickling == []
    assert not (tmp_path / "dest" / "model.pkl").exists()


def test_malicious_object_is_refused_at_log_time(tmp_path: Path) -> None:
    evil = malicious._CallsSystem()
    with pytest.raises(UnsafeModel, match="system"):
        save_model(evil, tmp_path / "dest", unsafe=True, serializer="pickle")


def test_malicious_file_is_refused_at_load_time(
    iris: tuple[Any, Any], dest: Path, spy_unpickling: list[str]
) -> None:
    meta = save_model(_model(iris), dest, flavor="pickle", unsafe=True, serializer="pickle")
    # the stored file is swapped for a malicious one after it was logged
    (dest / meta["flavor_meta"]["file"]).write_bytes(malicious.VIA_IMPORTLIB)
    with pytest.raises(UnsafeModel, match=r"importlib\.import_module"):
        load_predictor(dest, meta)
    assert spy_unpickling == []


def test_recorded_scan_is_not_trusted_at_load(
    iris: tuple[Any, Any], dest: Path, spy_unpickling: list[str]
) -> None:
    meta = save_model(_model(iris), dest, flavor="pickle", unsafe=True, serializer="joblib")
    (dest / meta["flavor_meta"]["file"]).write_bytes(malicious.direct_os_system())
    meta["safety"]["scan"] = {"safe": True, "globals": []}  # a forged verdict changes nothing
    meta["flavor_meta"]["trusted"] = ["posix.system"]
    with pytest.raises(UnsafeModel):
        load_predictor(dest, meta, trusted=["posix.*"])
    assert spy_unpickling == []


def test_metadata_cannot_point_outside_the_model(iris: tuple[Any, Any], tmp_path: Path) -> None:
    from cairn.errors import InvalidPath

    meta = save_model(_model(iris), tmp_path / "m", flavor="pickle", unsafe=True)
    for name in ("../elsewhere.pkl", "/etc/passwd"):
        meta["flavor_meta"]["file"] = name
        with pytest.raises(InvalidPath, match="outside the model"):
            load_predictor(tmp_path / "m", meta)
