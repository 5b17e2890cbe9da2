"""Metrics, the prediction log, feedback, and a graceful shutdown that flushes them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pyarrow.parquet as pq
from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_log_feedback_and_graceful_shutdown(
    model_registry: Any, launch: Callable[..., Any], tmp_path: Path
) -> None:
    log_dir = tmp_path / "log"
    server = launch(
        model_registry.path, "iris@production", "--log-dir", str(log_dir), "--workers", "1"
    )
    rows = model_registry.rows
    with server.client() as c:
        ids = []
        for i in range(30):
            rid = f"req-{i}"
            r = c.post("/predict", json=rows[:2], headers={"x-request-id": rid})
            assert r.status_code == 200
            ids.append(rid)
        r = c.post(
            "/v2/models/iris/infer",
            json={
                "id": "oip-1",
                "inputs": [
                    {
                        "name": "input-0",
                        "shape": [1, 5],
                        "datatype": "FP64",
                        "data": [1, 2, 3, 4, 5],
                    }
                ],
            },
        )
        assert r.status_code == 200, r.text
        assert c.post("/predict", json=[{"sepal_length": 1.0}]).status_code == 400
        assert c.post("/predict/nope", json=rows[:1]).status_code == 404

        fb = c.post(
            "/feedback",
            json=[{"request_id": rid, "ground_truth": [1, 0]} for rid in ids[:10]],
        )
        assert fb.status_code == 202 and fb.json() == {"accepted": 10, "dropped": 0}
        assert (
            c.post("/feedback", json={"request_id": "unknown", "ground_truth": 1}).status_code
            == 404
        )
        assert c.post("/feedback", json={"nope": 1}).status_code == 400

        text = c.get("/metrics").text
        found = samples(text)
        labels = {"model": "iris", "version": "1", "alias": "production"}

        def value(name: str, **extra: str) -> float:
            return found[(name, frozenset({**labels, **extra}.items()))]

        assert value("cairn_requests_total", status="200") == 31
        assert value("cairn_requests_total", status="400") == 1
        unknown = {"model": "nope", "version": "", "alias": "", "status": "404"}
        assert found[("cairn_requests_total", frozenset(unknown.items()))] == 1
        assert value("cairn_request_duration_seconds_count") == 32
        assert value("cairn_request_duration_seconds_bucket", le="+Inf") == 32
        assert value("cairn_requests_in_flight") == 0
        assert value("cairn_model_load_duration_seconds") > 0
        info = [k for k in found if k[0] == "cairn_model_info"]
        assert len(info) == 1
        info_labels = dict(info[0][1])
        assert info_labels["digest"].startswith("blake3:")
        assert info_labels["flavor"] == "sklearn" and info_labels["role"] == "primary"
        assert {k: info_labels[k] for k in labels} == labels
        for name in ("cairn_batch_size", "cairn_batch_queue_wait_seconds"):
            assert f"# TYPE {name} histogram" in text
        assert found[("cairn_prediction_log_dropped_total", frozenset())] == 0
        assert all(name.startswith("cairn_") for name, _ in found)

    assert server.stop() in (0, -15)
    assert "stopped; prediction log flushed" in server.output()

    folder = log_dir / "predictions" / "model=iris" / "version=1"
    files = sorted(folder.glob("date=*/part-*.parquet"))
    assert files, list(log_dir.rglob("*"))
    table = ds.dataset(log_dir / "predictions", format="parquet").to_table()
    assert table.num_rows == 31
    assert set(table.column_names) >= {
        "request_id", "time", "model", "version", "alias", "inputs", "outputs", "latency_ms"
    }  # fmt: skip
    by_id = {r["request_id"]: r for r in table.to_pylist()}
    assert set(ids) | {"oip-1"} == set(by_id)
    first = by_id["req-0"]
    assert first["version"] == 1 and first["model"] == "iris" and first["alias"] == "production"
    assert first["outputs"] == str(model_registry.expected[1][:2]).replace(" ", "")
    assert '"sepal_length"' in first["inputs"]
    assert first["latency_ms"] > 0

    fb_files = list((log_dir / "feedback" / "model=iris").glob("date=*/part-*.parquet"))
    assert fb_files
    feedback = pq.read_table(fb_files[0]).to_pylist()
    assert {f["request_id"] for f in feedback} == set(ids[:10])
    assert feedback[0]["version"] == "1" and feedback[0]["ground_truth"] == "[1,0]"
