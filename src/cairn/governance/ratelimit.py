"""Rate limiting of failed logins, per user name and per client address."""

from __future__ import annotations

import threading
import time
from collections import deque

from cairn.errors import RateLimited

__all__ = ["LoginLimiter"]


class LoginLimiter:
    """At most ``attempts`` failures per ``window`` seconds for one (user, address) pair, and
    ten times that for one address across users; over the limit, logins are refused (429)
    without checking the password."""

    def __init__(self, attempts: int = 5, window: float = 300.0) -> None:
        self.attempts = attempts
        self.window = window
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        found = self._failures.setdefault(key, deque())
        while found and found[0] <= now - self.window:
            found.popleft()
        return found

    def check(self, user: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            pair = self._recent((user, address), now)
            everyone = self._recent(("*", address), now)
            if len(pair) >= self.attempts or len(everyone) >= self.attempts * 10:
                wait = int(self.window - (now - (pair or everyone)[0])) + 1
                raise RateLimited(
                    f"too many failed logins for {user!r} from {address}",
                    f"wait {wait} seconds before trying again",
                )

    def failed(self, user: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent((user, address), now).append(now)
            self._recent(("*", address), now).append(now)
            if len(self._failures) > 100_000:  # bound memory under a spray of names
                self._failures.clear()

    def succeeded(self, user: str, address: str) -> None:
        with self._lock:
            self._failures.pop((user, address), None)
