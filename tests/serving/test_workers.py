"""``--workers 2``: uvicorn worker processes each load the model and log what they answer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds


def test_two_workers_answer_and_log(
    model_registry: Any, launch: Callable[..., Any], tmp_path: Path
) -> None:
    log_dir = tmp_path / "log"
    server = launch(
        model_registry.path, "iris@production", "--workers", "2", "--log-dir", str(log_dir)
    )
    rows = model_registry.rows
    for i in range(40):
        with server.client() as c:  # a new connection each time, spread over the workers
            r = c.post("/predict", json=rows, headers={"x-request-id": f"w{i}"})
            assert r.status_code == 200
            assert r.json()["predictions"] == model_registry.expected[1]
    assert server.stop() in (0, -15)
    table = ds.dataset(log_dir / "predictions", format="parquet").to_table()
    assert sorted(table.column("request_id").to_pylist()) == sorted(f"w{i}" for i in range(40))
