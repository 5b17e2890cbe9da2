"""The serving core the protocols call: route, validate, predict, then log, mirror and count.

Protocols (``protocols/``) only translate HTTP bodies to data and back; everything a
prediction does beyond that lives here, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cairn.errors import CairnError
from cairn.serving.batching import Batcher
from cairn.serving.config import ServeConfig
from cairn.serving.loaded import LoadedVersion
from cairn.serving.metrics import Metrics
from cairn.serving.prediction_log import PredictionLog
from cairn.serving.router import Router
from cairn.serving.shadow import Shadow
from cairn.serving.slot import Slot
from cairn.serving.swap import Swapper, make_watcher

__all__ = ["Outcome", "Service"]

log = logging.getLogger("cairn.serving")


@dataclass
class Outcome:
    """One answer: the outputs, the version that produced them and the request id."""

    outputs: Any
    loaded: LoadedVersion
    slot: Slot
    request_id: str
    seconds: float


def new_request_id() -> str:
    return uuid.uuid4().hex


class Service:
    def __init__(self, config: ServeConfig, registry: Any) -> None:
        self.config = config
        self.registry = registry
        self.metrics = Metrics()
        self.router = Router()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cairn-registry")
        # slow models predict here, one call at a time (user code need not be thread-safe)
        self.predict_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cairn-predict")
        self.swapper = Swapper(registry, self.executor, self.metrics, use_onnx=config.onnx)
        self.batcher = (
            Batcher(config.batch.max_size, config.batch.max_wait_ms, self.metrics)
            if config.batch
            else None
        )
        self.log = (
            PredictionLog(
                Path(config.log_dir),
                self.metrics,
                capacity=config.log_buffer,
                flush_seconds=config.log_flush_seconds,
            )
            if config.log_dir
            else None
        )
        self.shadows: dict[str, Shadow] = {}
        for ref in config.refs:
            self.router.add(Slot(ref, "primary"))
        for canary in config.canary:
            slot = Slot(canary.ref, "canary")
            route = self.router.route(slot.model)
            route.canary, route.percent = slot, canary.percent
        for ref in config.shadow:
            slot = Slot(ref, "shadow")
            model = slot.model if slot.model in self.router.routes else self.router.default
            self.router.route(model).shadows.append(slot)
            self.shadows[model] = Shadow(slot)
        self._tasks: list[asyncio.Task[Any]] = []
        self.started = time.time()

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Start loading every slot (in the background) and following their refs."""
        if self.log is not None:
            self.log.start()
        for shadow in self.shadows.values():
            shadow.start()
        slots = self.router.all_slots()
        loading = asyncio.create_task(self._load_all(slots))
        self._tasks.append(loading)
        if self.config.workers > 1:
            # Worker processes share one listening socket: a worker that accepted requests
            # before its models were loaded would answer 503 beside ready siblings. So each
            # worker starts accepting only once its first load is done.
            await asyncio.shield(loading)

    async def _load_all(self, slots: list[Slot]) -> None:
        if self.log is not None:
            await asyncio.get_running_loop().run_in_executor(self.executor, self.log.prepare)
        for slot in slots:
            await self.swapper.start(slot)
        watcher = make_watcher(self.registry, slots, self.executor, self.config.poll_interval)
        self._tasks.append(asyncio.create_task(self.swapper.follow(watcher)))
        if self.shadows:
            self._tasks.append(asyncio.create_task(self._evidence_loop()))

    async def stop(self) -> None:
        """Graceful shutdown (after uvicorn finished in-flight requests): stop following,
        flush the prediction log, record shadow evidence."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for shadow in self.shadows.values():
            shadow.stop()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.executor, self.record_evidence)
        if self.log is not None:
            await loop.run_in_executor(None, self.log.close)
        close = getattr(self.registry, "close", None)
        if callable(close):
            await loop.run_in_executor(self.executor, close)
        self.executor.shutdown(wait=True)
        self.predict_pool.shutdown(wait=True)

    # -- readiness -------------------------------------------------------------------------

    def not_ready(self, model: str | None = None) -> list[str]:
        """Why the server (or one model) is not ready; empty when it is."""
        slots = self.router.route(model).slots() if model else self.router.all_slots()
        answering = [s for s in slots if s.role != "shadow"]  # a shadow never answers
        return [f"{s.ref}: {why}" for s in answering if (why := s.why_not_ready()) is not None]

    # -- predictions -----------------------------------------------------------------------

    def pick(self, model: str, version: str | None, route_key: str | None) -> Slot:
        if version is not None:
            return self.router.by_version(model, version)
        return self.router.pick(model, route_key)

    async def infer(
        self,
        model: str,
        data: Any,
        *,
        version: str | None = None,
        request_id: str | None = None,
        route_key: str | None = None,
        raw_inputs: Any = None,
        prepare: Callable[[LoadedVersion], Any] | None = None,
    ) -> Outcome:
        """Answer one request. Raises :class:`CairnError` (400 bad input, 404 unknown model,
        503 model unavailable); the caller counts it with :meth:`failed`."""
        start = time.perf_counter()
        try:
            slot = self.pick(model, version, route_key)
            loaded = slot.get()
        except CairnError as exc:
            self.metrics.count((model, "", ""), exc.http_status)
            exc.counted = True  # type: ignore[attr-defined]
            raise
        labels = (loaded.model, loaded.version, slot.alias_label)
        metrics = self.metrics
        metrics.started(labels)
        loaded.acquire()
        status = 500
        try:
            if prepare is not None:
                data = prepare(loaded)
            x = loaded.validate(data)
            if self.batcher is not None:
                outputs = await self.batcher.predict(loaded, x, slot.alias_label)
            elif loaded.inline:
                outputs = loaded.predict(x)
            else:
                loop = asyncio.get_running_loop()
                outputs = await loop.run_in_executor(self.predict_pool, loaded.predict, x)
            status = 200
        except CairnError as exc:
            status = exc.http_status
            exc.counted = True  # type: ignore[attr-defined]
            raise
        finally:
            loaded.release()
            metrics.finished(labels, status, time.perf_counter() - start)
        seconds = time.perf_counter() - start
        rid = request_id or new_request_id()
        if self.log is not None:
            self.log.record(
                (
                    rid,
                    time.time(),
                    loaded.model,
                    loaded.version,
                    slot.alias_label,
                    data if raw_inputs is None else raw_inputs,
                    outputs,
                    seconds,
                )
            )
        shadow = self.shadows.get(loaded.model)
        if shadow is not None and slot.role == "primary":
            shadow.offer(data, outputs, seconds, loaded.version)
        return Outcome(outputs, loaded, slot, rid, seconds)

    def failed(self, model: str, exc: CairnError) -> None:
        """Count a request that failed before :meth:`infer` saw it (e.g. a parse error)."""
        if not getattr(exc, "counted", False):
            self.metrics.count((model, "", ""), exc.http_status)

    # -- shadow evidence -------------------------------------------------------------------

    async def _evidence_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.config.evidence_seconds)
            await loop.run_in_executor(self.executor, self.record_evidence)

    def record_evidence(self) -> None:
        """Write each shadow's comparison onto the shadow version as ``shadow.*`` tags."""
        for shadow in self.shadows.values():
            stats = shadow.stats()
            labels = (shadow.slot.model, str(stats["shadow_version"]), shadow.slot.alias_label)
            if stats["agreement_rate"] is not None:
                self.metrics.shadow_agreement.labels(*labels).set(stats["agreement_rate"])
                self.metrics.shadow_latency_diff.labels(*labels).set(
                    stats["latency_difference_ms"] / 1000.0
                )
            tags = shadow.evidence_tags()
            if tags is None or stats["shadow_version"] is None:
                continue
            ref = f"{shadow.slot.model}/{stats['shadow_version']}"
            try:
                self.registry.update_version(ref, tags=tags)
            except Exception:
                log.warning("cairn: cannot record shadow evidence on %s", ref, exc_info=True)
