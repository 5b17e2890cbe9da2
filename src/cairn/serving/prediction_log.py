"""The prediction log: every answer (and every piece of feedback), written to Parquet in the
background, never on a request's critical path.

A request appends one tuple to a bounded in-memory buffer (a deque append; the inputs and
outputs are kept as they are, not serialised). If the buffer is full the row is dropped and
counted (``cairn_prediction_log_dropped_total``) — a request never waits for the disk. A
writer thread wakes every ``flush_seconds``, serialises the rows to JSON and writes one Parquet
file per model/version/day::

    <log_dir>/predictions/model=<m>/version=<n>/date=<YYYY-MM-DD>/part-<ms>-<pid>-<seq>.parquet
    <log_dir>/feedback/model=<m>/date=<YYYY-MM-DD>/part-<ms>-<pid>-<seq>.parquet

(Hive-style folders: ``pyarrow.dataset.dataset(root, partitioning="hive")`` reads them as
columns.) :meth:`PredictionLog.close` flushes everything (graceful shutdown).
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cairn.serving.metrics import Metrics

__all__ = ["PredictionLog"]

log = logging.getLogger("cairn.serving")

# request id, time (epoch s), model, version, alias, inputs, outputs, latency (s)
Row = tuple[str, float, str, str, str, Any, Any, float]
# request id, time, model, version, ground truth
FeedbackRow = tuple[str, float, str, str, Any]


def _jsonable(value: Any) -> Any:
    if hasattr(value, "to_dict") and hasattr(value, "columns"):
        return value.to_dict(orient="list")
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _dumps(value: Any) -> str:
    import orjson

    try:
        return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode()
    except TypeError:
        return orjson.dumps(_jsonable(value), default=str).decode()


class PredictionLog:
    def __init__(
        self, root: Path, metrics: Metrics, *, capacity: int = 100_000, flush_seconds: float = 1.0
    ) -> None:
        self.root = root
        self.metrics = metrics
        self.capacity = capacity
        self.flush_seconds = flush_seconds
        self._rows: collections.deque[Row] = collections.deque()
        self._feedback: collections.deque[FeedbackRow] = collections.deque()
        self._recent: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._seq = 0
        self.dropped = 0
        self.written = 0

    # -- request path (event loop) ---------------------------------------------------------

    def record(self, row: Row) -> None:
        """Queue one answer; if the buffer is full, drop it and count."""
        if len(self._rows) >= self.capacity:
            self.dropped += 1
            self.metrics.log_dropped.inc()
            return
        self._rows.append(row)
        recent = self._recent
        recent[row[0]] = (row[2], row[3])
        if len(recent) > self.capacity:
            recent.popitem(last=False)

    def lookup(self, request_id: str) -> tuple[str, str] | None:
        """(model, version) of a recent request, for feedback without a model."""
        return self._recent.get(request_id)

    def feedback(self, row: FeedbackRow) -> bool:
        if len(self._feedback) >= self.capacity:
            self.dropped += 1
            self.metrics.log_dropped.inc()
            return False
        self._feedback.append(row)
        return True

    # -- writer thread ---------------------------------------------------------------------

    @staticmethod
    def prepare() -> None:
        """Import the Parquet writer now (before the server is ready), not at the first flush:
        importing it holds the interpreter lock for a few hundred milliseconds."""
        import pyarrow.parquet  # noqa: F401

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="cairn-prediction-log", daemon=True)
        self._thread.start()

    def close(self, timeout: float = 30.0) -> None:
        """Flush every queued row and stop the writer (graceful shutdown)."""
        self._stop = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.flush()

    def _run(self) -> None:
        while not self._stop:
            self._wake.wait(self.flush_seconds)
            try:
                self.flush()
            except Exception:
                log.exception("cairn: writing the prediction log failed; retrying")
                time.sleep(self.flush_seconds)

    def flush(self) -> None:
        rows: list[Row] = []
        while self._rows:
            rows.append(self._rows.popleft())
        feedback: list[FeedbackRow] = []
        while self._feedback:
            feedback.append(self._feedback.popleft())
        if rows:
            self._write_predictions(rows)
        if feedback:
            self._write_feedback(feedback)

    def _name(self) -> str:
        self._seq += 1
        return f"part-{int(time.time() * 1000)}-{os.getpid()}-{self._seq:06d}.parquet"

    def _write_predictions(self, rows: list[Row]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        groups: dict[tuple[str, str, str], list[Row]] = {}
        for row in rows:
            day = datetime.fromtimestamp(row[1], UTC).strftime("%Y-%m-%d")
            groups.setdefault((row[2], row[3], day), []).append(row)
        for (model, version, day), group in groups.items():
            table = pa.table(
                {
                    "request_id": pa.array([r[0] for r in group], pa.string()),
                    "time": pa.array(
                        [datetime.fromtimestamp(r[1], UTC) for r in group],
                        pa.timestamp("us", "UTC"),
                    ),
                    "model": pa.array([r[2] for r in group], pa.string()),
                    "version": pa.array([int(r[3]) for r in group], pa.int64()),
                    "alias": pa.array([r[4] for r in group], pa.string()),
                    "inputs": pa.array([_dumps(r[5]) for r in group], pa.string()),
                    "outputs": pa.array([_dumps(r[6]) for r in group], pa.string()),
                    "latency_ms": pa.array([r[7] * 1000.0 for r in group], pa.float64()),
                }
            )
            folder = self.root / "predictions" / f"model={model}" / f"version={version}"
            self._write(pq, table, folder / f"date={day}")
            self.written += len(group)
            self.metrics.log_written.inc(len(group))

    def _write_feedback(self, rows: list[FeedbackRow]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        groups: dict[tuple[str, str], list[FeedbackRow]] = {}
        for row in rows:
            day = datetime.fromtimestamp(row[1], UTC).strftime("%Y-%m-%d")
            groups.setdefault((row[2], day), []).append(row)
        for (model, day), group in groups.items():
            table = pa.table(
                {
                    "request_id": pa.array([r[0] for r in group], pa.string()),
                    "time": pa.array(
                        [datetime.fromtimestamp(r[1], UTC) for r in group],
                        pa.timestamp("us", "UTC"),
                    ),
                    "model": pa.array([r[2] for r in group], pa.string()),
                    "version": pa.array([r[3] or None for r in group], pa.string()),
                    "ground_truth": pa.array([_dumps(r[4]) for r in group], pa.string()),
                }
            )
            self._write(pq, table, self.root / "feedback" / f"model={model}" / f"date={day}")

    def _write(self, pq: Any, table: Any, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        name = self._name()
        tmp = folder / f".{name}.tmp"
        pq.write_table(table, tmp)
        tmp.replace(folder / name)  # readers never see a half-written file
