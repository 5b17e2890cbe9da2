"""Which slot answers a request: the primary, or the canary for ``PERCENT`` of the traffic.

Without a routing key each request draws at random. With one (the ``X-Cairn-Route-Key`` header
by default: a user id, a session id) the choice is a hash of the key, so the same caller always
lands on the same side. A canary that is not loaded gets no traffic.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field

from cairn.errors import NotFound
from cairn.serving.slot import Slot

__all__ = ["Route", "Router"]


@dataclass(eq=False)
class Route:
    """Everything served under one model name."""

    primary: Slot
    canary: Slot | None = None
    percent: float = 0.0
    shadows: list[Slot] = field(default_factory=list)

    def slots(self) -> list[Slot]:
        return [self.primary, *([self.canary] if self.canary else []), *self.shadows]


def bucket(key: str) -> float:
    """A stable number in [0, 100) for a routing key."""
    return (zlib.crc32(key.encode()) % 10_000) / 100.0


class Router:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self._random = random.Random()

    def add(self, slot: Slot) -> Route:
        if slot.model in self.routes:
            raise NotFound(
                f"{slot.model} is served twice ({self.routes[slot.model].primary.ref}, {slot.ref})",
                "serve one ref per model; use --canary or --shadow for a second version",
            )
        route = Route(primary=slot)
        self.routes[slot.model] = route
        return route

    def route(self, model: str) -> Route:
        route = self.routes.get(model)
        if route is None:
            served = ", ".join(sorted(self.routes)) or "nothing"
            raise NotFound(f"model {model!r} is not served here (served: {served})", "")
        return route

    @property
    def default(self) -> str:
        return next(iter(self.routes))

    def pick(self, model: str, key: str | None = None) -> Slot:
        route = self.route(model)
        canary = route.canary
        if canary is None or canary.current is None or route.percent <= 0:
            return route.primary
        draw = bucket(key) if key else self._random.random() * 100.0
        return canary if draw < route.percent else route.primary

    def by_version(self, model: str, version: str) -> Slot:
        """The slot serving ``model`` at exactly ``version`` (OIP ``/versions/{v}``)."""
        route = self.route(model)
        for slot in route.slots():
            if slot.current is not None and slot.current.version == version:
                return slot
        served = (
            ", ".join(s.current.version for s in route.slots() if s.current is not None) or "none"
        )
        raise NotFound(f"model {model!r} version {version!r} is not served (served: {served})", "")

    def all_slots(self) -> list[Slot]:
        return [slot for route in self.routes.values() for slot in route.slots()]
