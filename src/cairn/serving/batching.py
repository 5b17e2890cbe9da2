"""Adaptive batching (off by default): merge queued requests into one predict call.

``--batch max_size,max_wait_ms``: requests to one version queue up; a batch runs when
``max_size`` requests are queued, or at its deadline, which adapts to the load. Normally the
batch runs at the end of the event-loop turn in which its first request arrived: it takes
every request that arrived together and adds no wait. Batches then grow with the load by
themselves — while one batch predicts, the next requests pile up in the sockets and arrive
together. Once batches run at least half full, the next one waits up to ``max_wait_ms`` to
fill. Each request was validated on its own (so errors stay precise); the batch concatenates
the validated inputs, predicts once, and hands every request its own rows back.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from cairn.serving.loaded import LoadedVersion
from cairn.serving.metrics import Metrics

__all__ = ["Batcher", "concat", "split"]


def _nrows(data: Any) -> int:
    if isinstance(data, dict):
        return len(next(iter(data.values()))) if data else 0
    return len(data)


def concat(parts: list[Any]) -> Any:
    import numpy as np

    first = parts[0]
    if isinstance(first, dict):
        return {k: np.concatenate([p[k] for p in parts]) for k in first}
    if hasattr(first, "iloc"):
        import pandas as pd

        return pd.concat(parts, ignore_index=True)
    return np.concatenate(parts)


def split(outputs: Any, counts: list[int]) -> list[Any]:
    out = []
    start = 0
    rows = outputs.iloc if hasattr(outputs, "iloc") else outputs
    for n in counts:
        out.append(rows[start : start + n])
        start += n
    return out


class _Queue:
    def __init__(self) -> None:
        self.items: list[tuple[Any, asyncio.Future[Any], float]] = []
        self.timer: asyncio.TimerHandle | asyncio.Handle | None = None
        self.last_size = 0


class Batcher:
    def __init__(self, max_size: int, max_wait_ms: float, metrics: Metrics) -> None:
        self.max_size = max_size
        self.max_wait = max_wait_ms / 1000.0
        self.metrics = metrics
        self._queues: dict[int, _Queue] = {}

    async def predict(self, loaded: LoadedVersion, data: Any, alias: str) -> Any:
        loop = asyncio.get_running_loop()
        queue = self._queues.get(id(loaded))
        if queue is None:
            queue = self._queues[id(loaded)] = _Queue()
        future: asyncio.Future[Any] = loop.create_future()
        queue.items.append((data, future, time.perf_counter()))
        if len(queue.items) >= self.max_size:
            self._run(loaded, queue, alias)
        elif queue.timer is None:
            if queue.last_size * 2 < self.max_size:
                # take what arrived in this loop turn, now: while a batch predicts, the next
                # requests pile up in the sockets, so batches grow with the load by themselves
                queue.timer = loop.call_soon(self._run, loaded, queue, alias)
            else:  # batches run (half) full: wait, within the budget, for this one to fill
                queue.timer = loop.call_later(self.max_wait, self._run, loaded, queue, alias)
        return await future

    def _run(self, loaded: LoadedVersion, queue: _Queue, alias: str) -> None:
        if queue.timer is not None:
            queue.timer.cancel()
            queue.timer = None
        items, queue.items = queue.items, []
        if not items:
            return
        queue.last_size = len(items)
        if loaded.retired:
            self._queues.pop(id(loaded), None)
        now = time.perf_counter()
        labels = (loaded.model, loaded.version, alias)
        self.metrics.batch_size.labels(*labels).observe(len(items))
        wait = self.metrics.queue_wait.labels(*labels)
        for _, _, queued in items:
            wait.observe(now - queued)
        try:
            if len(items) == 1:
                results = [loaded.predict(items[0][0])]
            else:
                parts = [item[0] for item in items]
                results = split(loaded.predict(concat(parts)), [_nrows(p) for p in parts])
        except Exception as exc:
            for _, future, _ in items:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future, _), result in zip(items, results, strict=True):
            if not future.done():
                future.set_result(result)
