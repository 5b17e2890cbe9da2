"""The pure parts of serving: configuration, routing buckets, tensors, shadow comparison."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cairn.errors import InvalidInput
from cairn.serving.batching import concat, split
from cairn.serving.config import BatchConfig, CanaryConfig, ServeConfig
from cairn.serving.protocols.tensors import decode_binary, encode_binary, to_array
from cairn.serving.router import bucket
from cairn.serving.shadow import agreeing_rows


def test_config_round_trip_and_errors() -> None:
    config = ServeConfig(
        refs=("a@production",),
        canary=(CanaryConfig.parse("a/2:12.5"),),
        shadow=("a@staging",),
        batch=BatchConfig.parse("32,5"),
        log_dir="/tmp/x",
    )
    import json

    again = ServeConfig.from_dict(json.loads(config.to_json()))
    assert again.canary == config.canary and again.batch == config.batch
    assert again.shadow == config.shadow and again.log_dir == "/tmp/x"
    for bad in ("32", "a,b", "0,5", "4,-1"):
        with pytest.raises(InvalidInput, match="--batch"):
            BatchConfig.parse(bad)
    for bad in ("a/2", "a/2:x", "a/2:101", ":5"):
        with pytest.raises(InvalidInput, match="--canary"):
            CanaryConfig.parse(bad)
    with pytest.raises(InvalidInput, match="nothing to serve"):
        ServeConfig.from_dict({"refs": []})


def test_route_buckets_are_stable_and_spread() -> None:
    assert bucket("user-1") == bucket("user-1")
    draws = [bucket(f"user-{i}") for i in range(2000)]
    assert all(0 <= d < 100 for d in draws)
    share = sum(d < 25 for d in draws) / len(draws)
    assert 0.2 < share < 0.3


def test_tensors_json_and_binary() -> None:
    arr = to_array("x", "FP32", [2, 2], [[1, 2], [3, 4]])
    assert arr.dtype == np.float32 and arr.tolist() == [[1, 2], [3, 4]]
    assert to_array("x", "INT64", [3], [1, 2, 3]).dtype == np.int64
    text = to_array("s", "BYTES", [2], ["a", "b"])
    assert text.tolist() == ["a", "b"]
    with pytest.raises(InvalidInput, match=r"shape \[3\] needs 3 values, got 2"):
        to_array("x", "FP64", [3], [1, 2])
    with pytest.raises(InvalidInput, match="do not fit datatype INT8"):
        to_array("x", "INT8", [1], ["x"])
    for value in (np.arange(6, dtype=np.float64).reshape(2, 3), np.array(["ab", "c"], object)):
        raw = encode_binary(value)
        dt = "BYTES" if value.dtype == object else "FP64"
        back = decode_binary("x", dt, list(value.shape), raw)
        assert back.tolist() == value.tolist()


def test_shadow_agreement_rows() -> None:
    assert agreeing_rows(np.array([1, 2, 3]), np.array([1, 0, 3])) == (2, 3)
    assert agreeing_rows(np.array([0.5, 1.0]), np.array([0.5 + 1e-12, 2.0])) == (1, 2)
    assert agreeing_rows(np.array([[1, 2], [3, 4]]), np.array([[1, 2], [3, 5]])) == (1, 2)
    assert agreeing_rows(np.array([1, 2]), np.array([1, 2, 3])) == (0, 2)


def test_batch_concat_and_split() -> None:
    frames = [pd.DataFrame({"a": [1, 2]}), pd.DataFrame({"a": [3]})]
    merged = concat(frames)
    assert merged["a"].tolist() == [1, 2, 3]
    parts = split(np.array([10, 20, 30]), [2, 1])
    assert [p.tolist() for p in parts] == [[10, 20], [30]]
    named = concat([{"x": np.array([1])}, {"x": np.array([2, 3])}])
    assert named["x"].tolist() == [1, 2, 3]


def test_prediction_log_drops_and_counts_when_full(tmp_path: Path) -> None:
    from cairn.serving.metrics import Metrics
    from cairn.serving.prediction_log import PredictionLog

    metrics = Metrics()
    plog = PredictionLog(tmp_path, metrics, capacity=5, flush_seconds=60)
    for i in range(8):  # the writer is not running: the buffer fills, nothing blocks
        plog.record((f"r{i}", 1_800_000_000.0, "m", "1", "production", [[1.0]], [0], 0.001))
    assert plog.dropped == 3
    assert metrics.registry.get_sample_value("cairn_prediction_log_dropped_total") == 3
    plog.close()  # flushes what was kept
    import pyarrow.dataset as ds

    table = ds.dataset(tmp_path / "predictions", format="parquet").to_table()
    assert table.column("request_id").to_pylist() == [f"r{i}" for i in range(5)]
    assert plog.lookup("r4") == ("m", "1")
