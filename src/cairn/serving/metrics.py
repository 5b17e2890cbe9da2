"""Prometheus metrics of the serving process: ``cairn_`` prefix, labels model, version, alias.

Each process has its own :class:`~prometheus_client.CollectorRegistry`; ``/metrics`` renders
it. The request path looks label children up in a small cache, so a request costs a few dict
lookups, not a label-tuple validation per metric.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

if TYPE_CHECKING:
    from cairn.serving.loaded import LoadedVersion

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LABELS = ("model", "version", "alias")
LATENCY_BUCKETS = (
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


class Metrics:
    """Every metric ``cairn serve`` exports."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.duration = Histogram(
            "cairn_request_duration_seconds",
            "Time to answer a prediction request, from parsed request to encoded response.",
            LABELS,
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.requests = Counter(
            "cairn_requests", "Prediction requests by HTTP status.", (*LABELS, "status"), registry=r
        )
        self.in_flight = Gauge(
            "cairn_requests_in_flight", "Prediction requests being answered.", LABELS, registry=r
        )
        self.batch_size = Histogram(
            "cairn_batch_size",
            "Requests merged into one predict call (adaptive batching).",
            LABELS,
            buckets=BATCH_BUCKETS,
            registry=r,
        )
        self.queue_wait = Histogram(
            "cairn_batch_queue_wait_seconds",
            "Time a request waited in the batching queue.",
            LABELS,
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.load_duration = Gauge(
            "cairn_model_load_duration_seconds",
            "Time to check out, load and warm a version.",
            LABELS,
            registry=r,
        )
        self.load_failures = Counter(
            "cairn_model_load_failures", "Versions that failed to load or warm.", LABELS, registry=r
        )
        self.swaps = Counter(
            "cairn_model_swaps", "Hot swaps to a new version.", ("model", "alias"), registry=r
        )
        self.info = Gauge(
            "cairn_model_info",
            "1 for each version being served, with its digest, flavor and role.",
            (*LABELS, "digest", "flavor", "role"),
            registry=r,
        )
        self.log_dropped = Counter(
            "cairn_prediction_log_dropped",
            "Prediction log rows dropped because the buffer was full.",
            registry=r,
        )
        self.log_written = Counter(
            "cairn_prediction_log_written", "Prediction log rows written to Parquet.", registry=r
        )
        self.shadow_agreement = Gauge(
            "cairn_shadow_agreement_ratio",
            "Share of mirrored rows where the shadow agrees with the served version.",
            LABELS,
            registry=r,
        )
        self.shadow_latency_diff = Gauge(
            "cairn_shadow_latency_difference_seconds",
            "Mean shadow latency minus served latency.",
            LABELS,
            registry=r,
        )
        self._children: dict[tuple[str, str, str], tuple[Any, Any]] = {}
        self._status: dict[tuple[str, str, str, int], Any] = {}

    # -- request path ----------------------------------------------------------------------

    def _pair(self, labels: tuple[str, str, str]) -> tuple[Any, Any]:
        pair = self._children.get(labels)
        if pair is None:
            pair = (self.duration.labels(*labels), self.in_flight.labels(*labels))
            self._children[labels] = pair
        return pair

    def started(self, labels: tuple[str, str, str]) -> None:
        self._pair(labels)[1].inc()

    def finished(self, labels: tuple[str, str, str], status: int, seconds: float) -> None:
        duration, gauge = self._pair(labels)
        gauge.dec()
        duration.observe(seconds)
        self.count(labels, status)

    def count(self, labels: tuple[str, str, str], status: int) -> None:
        key = (*labels, status)
        child = self._status.get(key)
        if child is None:
            child = self.requests.labels(*labels, str(status))
            self._status[key] = child
        child.inc()

    # -- lifecycle -------------------------------------------------------------------------

    def served(self, loaded: LoadedVersion, alias: str, role: str) -> None:
        rec = loaded.record
        labels = (loaded.model, loaded.version, alias)
        self.info.labels(*labels, rec.digest, rec.flavor or "", role).set(1)
        self.load_duration.labels(*labels).set(loaded.load_seconds)

    def retired(self, loaded: LoadedVersion, alias: str, role: str) -> None:
        rec = loaded.record
        with contextlib.suppress(KeyError):
            self.info.remove(
                loaded.model, loaded.version, alias, rec.digest, rec.flavor or "", role
            )

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))
