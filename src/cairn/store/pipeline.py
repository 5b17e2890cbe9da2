"""One background thread for I/O, so writes and fsyncs overlap hashing on the main thread."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

__all__ = ["Background"]


class Background:
    """Runs jobs in order on one thread; :meth:`wait_for` bounds how far the caller runs ahead.

    The first failure is kept: later jobs are skipped and every later call re-raises it.
    """

    def __init__(self, name: str) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._jobs: deque[tuple[int, Future[None]]] = deque()
        self._submitted = 0
        self._error: BaseException | None = None

    def _run(self, job: Callable[..., Any], args: tuple[Any, ...]) -> None:
        if self._error is not None:
            return
        try:
            job(*args)
        except BaseException as error:
            self._error = error
            raise

    def submit(self, job: Callable[..., Any], *args: Any) -> int:
        """Queue ``job(*args)``; return its sequence number."""
        self.check()
        self._submitted += 1
        self._jobs.append((self._submitted, self._pool.submit(self._run, job, args)))
        return self._submitted

    @property
    def submitted(self) -> int:
        return self._submitted

    def wait_for(self, sequence: int) -> None:
        """Block until every job up to ``sequence`` has finished; re-raise the first failure."""
        while self._jobs and self._jobs[0][0] <= sequence:
            _, future = self._jobs.popleft()
            wait([future])  # its failure, if any, is kept in self._error
        self.check()

    def drain(self) -> None:
        self.wait_for(self._submitted)

    def check(self) -> None:
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Wait for queued jobs (ignoring failures) and stop the thread."""
        wait([future for _, future in self._jobs])
        self._jobs.clear()
        self._pool.shutdown(wait=True)
