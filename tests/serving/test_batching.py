"""Adaptive batching: concurrent requests are merged, each gets its own rows back."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from prometheus_client.parser import text_string_to_metric_families


def test_batching_merges_requests_and_splits_answers(
    model_registry: Any, launch: Callable[..., Any]
) -> None:
    server = launch(model_registry.path, "iris@production", "--batch", "16,50")
    rows, expected = model_registry.rows, model_registry.expected[1]
    errors: list[str] = []

    def client(offset: int) -> None:
        with server.client() as c:
            for i in range(25):
                start = (offset + i) % 18
                size = 1 + (i % 3)
                r = c.post("/predict", json=rows[start : start + size])
                if (
                    r.status_code != 200
                    or r.json()["predictions"] != expected[start : start + size]
                ):
                    errors.append(r.text)
                oip = c.post(
                    "/v2/models/iris/infer",
                    json={"inputs": [{"name": "m", "shape": [1, 5], "datatype": "FP64",
                                      "data": [rows[start][k] for k in rows[start]]}]},
                )  # fmt: skip
                if oip.status_code != 200 or oip.json()["outputs"][0]["data"] != [expected[start]]:
                    errors.append(oip.text)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:3]
    with server.client() as c:
        assert c.post("/predict", json=[{"sepal_length": "x"}]).status_code == 400
        assert c.get("/cairn/status").json()["batching"] == {"max_size": 16, "max_wait_ms": 50.0}
        families = {f.name: f for f in text_string_to_metric_families(c.get("/metrics").text)}
    sizes = {(s.name, s.labels.get("le")): s.value for s in families["cairn_batch_size"].samples}
    calls = sizes[("cairn_batch_size_count", None)]
    merged = sizes[("cairn_batch_size_sum", None)]
    assert merged == 8 * 25 * 2  # every request went through the batcher
    assert calls < merged  # some predict calls served several requests
    waits = {s.name: s.value for s in families["cairn_batch_queue_wait_seconds"].samples}
    assert waits["cairn_batch_queue_wait_seconds_count"] == merged
    assert server.stop() in (0, -15)
