"""A slow model: SIGTERM lets the request in flight finish and flushes the log. A crashing
model: 503 with the reason, and the server stays up."""

from __future__ import annotations

import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.dataset as ds
import pytest

import cairn

MODEL_CODE = textwrap.dedent(
    """
    import time

    import numpy as np

    from cairn.flavors.pyfunc import PythonModel


    class SlowSum(PythonModel):
        def predict(self, model_input):
            x = np.asarray(model_input, dtype=float)
            if (x < 0).any():
                raise ValueError("negative inputs are not supported")
            time.sleep(1.0)
            return x.sum(axis=1)
    """
)


@pytest.fixture(scope="module")
def slow_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("slow")
    module = root / "slow_sum_model.py"
    module.write_text(MODEL_CODE)
    sys.path.insert(0, str(root))
    try:
        import slow_sum_model  # type: ignore[import-not-found]

        reg = cairn.open(root / "registry")
        example = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
        reg.log_model(
            slow_sum_model.SlowSum(), name="slow", input_example=example, code_paths=[module]
        )
        reg.set_alias("slow", "production", 1)
        reg.close()
    finally:
        sys.path.remove(str(root))
        sys.modules.pop("slow_sum_model", None)
    return root / "registry"


def test_sigterm_finishes_in_flight_requests_and_flushes(
    slow_registry: Path, launch: Callable[..., Any], tmp_path: Path
) -> None:
    log_dir = tmp_path / "log"
    server = launch(slow_registry, "slow@production", "--log-dir", str(log_dir))
    answers: list[Any] = []

    def call(i: int) -> None:
        with server.client() as c:
            r = c.post(
                "/predict", json=[{"a": float(i), "b": 1.0}], headers={"x-request-id": f"r{i}"}
            )
            answers.append((r.status_code, r.json()))

    with server.client() as c:
        # the model is slow (1 s), so it predicts off the event loop: health stays instant
        threads = [threading.Thread(target=call, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        server.wait(
            lambda: c.get("/cairn/status").json()["slots"][0]["in_flight"] == 3,
            "all three in flight",
        )
        assert c.get("/v2/health/live").status_code == 200
    code = server.stop()
    for t in threads:
        t.join(30)
    assert code in (0, -15)
    assert len(answers) == 3
    assert all(status == 200 for status, _ in answers), answers
    assert sorted(body["predictions"][0] for _, body in answers) == [1.0, 2.0, 3.0]
    table = ds.dataset(log_dir / "predictions", format="parquet").to_table()
    assert sorted(table.column("request_id").to_pylist()) == ["r0", "r1", "r2"]


def test_a_crashing_model_answers_503_and_the_server_stays_up(
    slow_registry: Path, launch: Callable[..., Any]
) -> None:
    server = launch(slow_registry, "slow@production")
    with server.client() as c:
        r = c.post("/predict", json=[{"a": -1.0, "b": 1.0}])
        assert r.status_code == 503
        assert (
            "model slow/1 failed: ValueError: negative inputs are not supported"
            in r.json()["error"]
        )
        oip = c.post(
            "/v2/models/slow/infer",
            json={"inputs": [{"name": "a", "shape": [1], "datatype": "FP64", "data": [-1]},
                             {"name": "b", "shape": [1], "datatype": "FP64", "data": [1]}]},
        )  # fmt: skip
        assert oip.status_code == 503 and "negative inputs" in oip.json()["error"]
        assert c.get("/v2/health/live").status_code == 200
        ok = c.post("/predict", json=[{"a": 1.0, "b": 1.0}])
        assert ok.status_code == 200 and ok.json()["predictions"] == [2.0]
    assert server.stop() in (0, -15)
