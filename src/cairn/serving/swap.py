"""Following aliases: watchers that notice a move, and the hot swap that follows it.

A *watcher* reports "``slot``'s ref now names version N" (or None: the alias was deleted).
:class:`PollingWatcher` asks the registry every ``interval`` seconds (one indexed query per
alias); :class:`StreamWatcher` follows a registry that offers an event stream
(``follow()``, the remote registry's server-sent events) and is picked automatically when
the registry has one.

The swap (:meth:`Swapper.switch`): load the new version beside the old one in a worker thread,
warm it with its input example, switch with one assignment in the event loop, wait for the
requests still holding the old one, unload it. A version that fails to load or warm is not
switched to: the failure is logged and counted, and the old version keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator
from concurrent.futures import Executor
from pathlib import Path
from typing import Any, Protocol

from cairn.errors import CairnError, ModelUnavailable, NotFound
from cairn.serving.loaded import LoadedVersion, load_version
from cairn.serving.metrics import Metrics
from cairn.serving.slot import Slot

__all__ = ["PollingWatcher", "StreamWatcher", "Swapper", "Watcher", "make_watcher"]

log = logging.getLogger("cairn.serving")

OnChange = Callable[[Slot, int | None], Awaitable[None]]


class Watcher(Protocol):
    async def run(self, on_change: OnChange) -> None: ...


def _current_number(registry: Any, slot: Slot) -> int | None:
    try:
        return int(registry.resolve(slot.ref).number)
    except NotFound:
        return None


class PollingWatcher:
    """Re-resolve every followed ref each ``interval`` seconds (local registries)."""

    def __init__(
        self, registry: Any, slots: Iterable[Slot], executor: Executor, interval: float
    ) -> None:
        self.registry = registry
        self.slots = list(slots)
        self.executor = executor
        self.interval = interval

    async def run(self, on_change: OnChange) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.interval)
            # followed refs, and pinned ones whose first load could not even resolve them
            for slot in [s for s in self.slots if s.follows or s.target is None]:
                try:
                    number = await loop.run_in_executor(
                        self.executor, _current_number, self.registry, slot
                    )
                except Exception:
                    log.warning("cairn: cannot resolve %s; retrying", slot.ref, exc_info=True)
                    continue
                if number != slot.target:
                    await on_change(slot, number)


class StreamWatcher:
    """Follow a remote registry's event stream (``registry.follow()``, server-sent events): on
    an ``alias.*`` event about a followed alias, re-resolve it. If the stream ends or fails,
    fall back to polling."""

    def __init__(
        self, registry: Any, slots: Iterable[Slot], executor: Executor, interval: float
    ) -> None:
        self.registry = registry
        self.slots = [s for s in slots if s.follows]
        self.executor = executor
        self.poller = PollingWatcher(registry, self.slots, executor, interval)

    async def run(self, on_change: OnChange) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        by_subject = {f"{s.model}@{s.alias}": s for s in self.slots if s.alias}
        latest = {s.model: s for s in self.slots if not s.alias}

        def pump() -> None:
            try:
                events: Iterator[Any] = self.registry.follow(after=None)
                for event in events:
                    action, subject = str(event.action), str(event.subject)
                    if action.startswith("alias.") or subject.split("/")[0] in latest:
                        loop.call_soon_threadsafe(queue.put_nowait, subject)
            except Exception as exc:
                log.warning("cairn: event stream failed (%s); polling instead", exc)
            loop.call_soon_threadsafe(queue.put_nowait, None)

        threading.Thread(target=pump, name="cairn-events", daemon=True).start()
        # moves between the first load and the stream's start: check each alias once
        for slot in self.slots:
            await self._check(slot, on_change)
        while (subject := await queue.get()) is not None:
            moved = by_subject.get(subject) or latest.get(subject.split("/")[0])
            if moved is not None:
                await self._check(moved, on_change)
        await self.poller.run(on_change)

    async def _check(self, slot: Slot, on_change: OnChange) -> None:
        loop = asyncio.get_running_loop()
        try:
            number = await loop.run_in_executor(self.executor, _current_number, self.registry, slot)
        except Exception:
            log.warning("cairn: cannot resolve %s", slot.ref, exc_info=True)
            return
        if number != slot.target:
            await on_change(slot, number)


def make_watcher(
    registry: Any, slots: Iterable[Slot], executor: Executor, interval: float
) -> Watcher:
    if callable(getattr(registry, "follow", None)):
        return StreamWatcher(registry, slots, executor, interval)
    return PollingWatcher(registry, slots, executor, interval)


def _checkout(registry: Any, record: Any) -> Path:
    if hasattr(registry, "checkout_cached"):
        return Path(registry.checkout_cached(record))
    raise ModelUnavailable(f"this registry cannot check {record.ref} out for serving")


class Swapper:
    """Loads versions into slots and swaps them when their ref moves."""

    def __init__(
        self,
        registry: Any,
        executor: Executor,
        metrics: Metrics,
        on_swap: Callable[[Slot, LoadedVersion | None, LoadedVersion], None] | None = None,
        *,
        use_onnx: bool = False,
    ) -> None:
        self.use_onnx = use_onnx
        self.registry = registry
        self.executor = executor
        self.metrics = metrics
        self.on_swap = on_swap
        self._locks: dict[int, asyncio.Lock] = {}

    def _load(self, slot: Slot, number: int | None) -> LoadedVersion:
        ref = slot.ref if number is None else f"{slot.model}/{number}"
        record = self.registry.resolve(ref)
        return load_version(_checkout(self.registry, record), record, use_onnx=self.use_onnx)

    async def start(self, slot: Slot) -> None:
        """The first load of a slot: the version its ref names now."""
        loop = asyncio.get_running_loop()
        try:
            number = await loop.run_in_executor(self.executor, _current_number, self.registry, slot)
        except Exception as exc:  # e.g. a remote registry that is down: the watcher retries
            slot.reason = (
                exc.message if isinstance(exc, CairnError) else f"{type(exc).__name__}: {exc}"
            )
            log.error("cairn: cannot resolve %s: %s (retrying)", slot.ref, exc)
            return
        if number is None:
            slot.reason = f"{slot.ref} does not exist"
            log.error("cairn: %s does not exist", slot.ref)
            return
        await self.switch(slot, number)

    async def switch(self, slot: Slot, number: int | None) -> None:
        lock = self._locks.setdefault(id(slot), asyncio.Lock())
        async with lock:
            await self._switch(slot, number)

    async def _switch(self, slot: Slot, number: int | None) -> None:
        old = slot.current
        slot.target = number
        if number is None:  # the alias was deleted: stop serving it, with a reason
            slot.reason = f"{slot.ref} was deleted; nothing to serve"
            slot.current = None
            log.warning("cairn: %s", slot.reason)
            if old is not None:
                await self._retire(slot, old)
            return
        if old is not None and old.number == number:
            return
        if number in slot.failed:
            return  # already tried: stays on the old version, not ready
        loop = asyncio.get_running_loop()
        labels = (slot.model, str(number), slot.alias_label)
        try:
            new = await loop.run_in_executor(self.executor, self._load, slot, number)
        except Exception as exc:
            message = exc.message if isinstance(exc, CairnError) else f"{type(exc).__name__}: {exc}"
            slot.failed[number] = f"{slot.model}/{number} failed to load: {message}"
            if old is None:
                slot.reason = slot.failed[number]
            self.metrics.load_failures.labels(*labels).inc()
            log.error(
                "cairn: not switching %s to %s/%s: %s (still serving %s)",
                slot.ref,
                slot.model,
                number,
                message,
                "nothing" if old is None else f"{old.model}/{old.number}",
            )
            return
        slot.current = new  # the switch: one assignment, seen by the next request
        slot.reason = None
        self.metrics.served(new, slot.alias_label, slot.role)
        if old is not None:
            self.metrics.swaps.labels(slot.model, slot.alias_label).inc()
        log.info(
            "cairn: %s now serves %s/%s (loaded and warmed in %.3fs)",
            slot.ref,
            new.model,
            new.number,
            new.load_seconds,
        )
        if self.on_swap is not None:
            self.on_swap(slot, old, new)
        if old is not None:
            await self._retire(slot, old)

    async def _retire(self, slot: Slot, old: LoadedVersion) -> None:
        await old.drain()
        old.unload()
        self.metrics.retired(old, slot.alias_label, slot.role)

    async def follow(self, watcher: Watcher) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await watcher.run(self.switch)
