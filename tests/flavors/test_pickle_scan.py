"""The opcode scanner: what it allows, what it refuses, and that it never unpickles."""

from __future__ import annotations

import io
import pickle
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest
from tests.flavors import malicious

from cairn.errors import UnsafeModel
from cairn.flavors.pickle_scan import ensure_safe, scan_bytes


@pytest.fixture
def never_unpickle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any unpickling during the test fails it (the malicious payloads are only scanned)."""

    def boom(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the scanner unpickled something")

    monkeypatch.setattr(pickle, "loads", boom)
    monkeypatch.setattr(pickle, "load", boom)
    monkeypatch.setattr(pickle, "Unpickler", boom)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
@pytest.mark.usefixtures("never_unpickle")
def test_os_system_is_denied_in_every_protocol(protocol: int) -> None:
    report = scan_bytes(malicious.direct_os_system(protocol))
    assert not report.safe
    assert any(g.endswith(".system") for g in report.denied)


@pytest.mark.parametrize(
    ("payload", "culprit"),
    [
        (malicious.VIA_IMPORTLIB, "importlib.import_module"),
        (malicious.VIA_IMPORTLIB, "builtins.getattr"),
        (malicious.VIA_IMPORT_MODULE_ONLY, "importlib.import_module"),
        (malicious.VIA_EVAL, "builtins.eval"),
        (malicious.VIA_DUNDER_IMPORT, "builtins.__import__"),
        (malicious.VIA_MEMO_STACK_GLOBAL, "posix.system"),
    ],
    ids=["importlib", "getattr", "import-module", "eval", "dunder-import", "memo-stack-global"],
)
@pytest.mark.usefixtures("never_unpickle")
def test_indirection_is_denied(payload: bytes, culprit: str) -> None:
    report = scan_bytes(payload)
    assert culprit in report.denied
    with pytest.raises(UnsafeModel, match=culprit.replace(".", r"\.")):
        ensure_safe(report, "model.pkl")


@pytest.mark.usefixtures("never_unpickle")
def test_computed_global_names_are_refused() -> None:
    report = scan_bytes(malicious.VIA_COMPUTED_NAME)
    assert not report.safe
    assert report.error is not None and "computed" in report.error


@pytest.mark.parametrize("wrap", [malicious.in_zip, malicious.gzipped], ids=["zip", "gzip"])
@pytest.mark.usefixtures("never_unpickle")
def test_containers_are_opened(wrap: Any) -> None:
    report = scan_bytes(wrap(malicious.direct_os_system()))
    assert not report.safe and report.denied


@pytest.mark.usefixtures("never_unpickle")
def test_trust_never_overrides_the_deny_list() -> None:
    report = scan_bytes(malicious.direct_os_system(), trusted=["posix.system", "posix.*"])
    assert not report.safe


@pytest.mark.usefixtures("never_unpickle")
def test_garbage_and_truncated_files_are_unsafe() -> None:
    assert scan_bytes(b"not a pickle at all").error is not None
    good = pickle.dumps({"a": 1})
    assert scan_bytes(good[:-3]).error is not None


def test_plain_data_and_ml_objects_are_safe() -> None:
    from sklearn.datasets import load_iris
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = load_iris(return_X_y=True)
    model = HistGradientBoostingClassifier(max_iter=3).fit(X, y)
    assert scan_bytes(pickle.dumps(model)).safe
    data = OrderedDict(a=np.arange(3), b=[1.5, "x", None], c=frozenset({1}))
    assert scan_bytes(pickle.dumps(data)).safe


def test_joblib_raw_arrays_and_compression_are_walked() -> None:
    joblib = pytest.importorskip("joblib")
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier

    X, y = load_iris(return_X_y=True)
    model = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    for compress in (0, 3, ("xz", 1)):
        buffer = io.BytesIO()
        joblib.dump(
            {"m": model, "o": np.array(["x", None], dtype=object), "f": np.ones((3, 2))},
            buffer,
            compress=compress,
        )
        report = scan_bytes(buffer.getvalue())
        assert report.safe, report.to_dict()
        assert "joblib.numpy_pickle.NumpyArrayWrapper" in report.globals


@pytest.mark.usefixtures("never_unpickle")
def test_unknown_classes_need_trust() -> None:
    payload = b"cmy_private_pkg.models\nScorer\n)R."
    report = scan_bytes(payload)
    assert report.unknown == ["my_private_pkg.models.Scorer"]
    with pytest.raises(UnsafeModel, match=r"trusted=\['my_private_pkg.models.Scorer'\]"):
        ensure_safe(report, "model.pkl")
    assert scan_bytes(payload, trusted=["my_private_pkg.*"]).safe


@pytest.mark.usefixtures("never_unpickle")
def test_functions_of_ml_packages_are_not_blanket_trusted() -> None:
    # numpy.load could read another (pickled) file: a function, not a class or reconstructor
    report = scan_bytes(b"cnumpy\nload\n(S'/tmp/x.npy'\ntR.")
    assert "numpy.load" in report.unknown
