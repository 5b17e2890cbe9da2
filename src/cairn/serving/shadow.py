"""Shadow traffic: mirror requests to a second version off the critical path, and compare.

After the served version has answered, the request's input and its output are queued (bounded;
full means the mirror is skipped and counted, never a wait). A worker thread runs the shadow
version on them and keeps the agreement rate (rows with the same prediction; floats within
1e-6 relative) and the latency difference. :meth:`Shadow.stats` is served at ``/cairn/shadow``
and recorded on the shadow version as ``shadow.*`` tags (promotion evidence, see
``docs/serving.md``).
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from cairn.serving.slot import Slot

__all__ = ["Shadow", "agreeing_rows"]

log = logging.getLogger("cairn.serving")


def _rows(values: Any) -> Any:
    import numpy as np

    if hasattr(values, "to_numpy"):
        values = values.to_numpy()
    return np.asarray(values)


def agreeing_rows(a: Any, b: Any) -> tuple[int, int]:
    """(rows that agree, rows compared) between two predictions of the same input."""
    import numpy as np

    x, y = _rows(a), _rows(b)
    n = len(x) if x.ndim else 1
    if x.shape != y.shape:
        return 0, n
    if x.dtype.kind in "fc" or y.dtype.kind in "fc":
        same = np.isclose(x.astype(float), y.astype(float), rtol=1e-6, atol=1e-9, equal_nan=True)
    else:
        same = x == y
    if same.ndim > 1:
        same = same.reshape(len(same), -1).all(axis=1)
    return int(np.sum(same)), n


class Shadow:
    """Mirrors one model's traffic to ``slot`` and keeps the comparison."""

    def __init__(self, slot: Slot, capacity: int = 1000) -> None:
        self.slot = slot
        self.capacity = capacity
        self._queue: collections.deque[tuple[Any, Any, float, str]] = collections.deque()
        self._wake = threading.Event()
        self._stop = False
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.mirrored = 0
        self.skipped = 0
        self.errors = 0
        self.rows = 0
        self.agreed = 0
        self.primary_seconds = 0.0
        self.shadow_seconds = 0.0
        self.baseline = ""
        self.changed = False

    # -- called on the event loop, after the response is computed --------------------------

    def offer(self, data: Any, outputs: Any, seconds: float, served: str) -> None:
        if len(self._queue) >= self.capacity:
            self.skipped += 1
            return
        self._queue.append((data, outputs, seconds, served))
        self._wake.set()

    # -- worker ----------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="cairn-shadow", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            self._wake.wait(0.5)
            self._wake.clear()
            while self._queue:
                self._mirror(*self._queue.popleft())
            if self._stop:
                return

    def _mirror(self, data: Any, outputs: Any, seconds: float, served: str) -> None:
        loaded = self.slot.current
        if loaded is None:
            self.skipped += 1
            return
        start = time.perf_counter()
        try:
            result = loaded.predict(loaded.validate(data))
        except Exception as exc:
            with self._lock:
                self.errors += 1
            log.debug("cairn: shadow %s failed: %s", self.slot.ref, exc)
            return
        elapsed = time.perf_counter() - start
        agreed, rows = agreeing_rows(outputs, result)
        with self._lock:
            self.mirrored += 1
            self.rows += rows
            self.agreed += agreed
            self.primary_seconds += seconds
            self.shadow_seconds += elapsed
            self.baseline = served
            self.changed = True

    # -- reading ---------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        with self._lock:
            n = self.mirrored
            cur = self.slot.current
            return {
                "model": self.slot.model,
                "shadow": self.slot.ref,
                "shadow_version": None if cur is None else cur.version,
                "baseline": self.baseline or None,
                "requests": n,
                "rows": self.rows,
                "agreement_rate": (self.agreed / self.rows) if self.rows else None,
                "mean_latency_ms": (1000 * self.primary_seconds / n) if n else None,
                "mean_shadow_latency_ms": (1000 * self.shadow_seconds / n) if n else None,
                "latency_difference_ms": (
                    1000 * (self.shadow_seconds - self.primary_seconds) / n if n else None
                ),
                "skipped": self.skipped,
                "errors": self.errors,
            }

    def evidence_tags(self) -> dict[str, str] | None:
        """The stats as version tags, or None if nothing new was compared."""
        with self._lock:
            if not self.changed or not self.mirrored:
                return None
            self.changed = False
        s = self.stats()
        return {
            "shadow.baseline": f"{s['model']}/{s['baseline']}",
            "shadow.requests": str(s["requests"]),
            "shadow.rows": str(s["rows"]),
            "shadow.agreement": f"{s['agreement_rate']:.6f}",
            "shadow.latency_diff_ms": f"{s['latency_difference_ms']:.4f}",
            "shadow.errors": str(s["errors"]),
            "shadow.updated": datetime.now(UTC).isoformat(timespec="seconds"),
        }
