"""A slot: one ref being served (``fraud@production``), and the version it holds right now.

The event loop reads :attr:`Slot.current` once per request; the swapper replaces it in one
assignment, so a request sees either the old version or the new one, never a mix. A slot is
*ready* when the version its ref names now is loaded and warmed — not merely "something is
loaded".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cairn.errors import ModelUnavailable
from cairn.refs import parse_ref
from cairn.serving.loaded import LoadedVersion

__all__ = ["Role", "Slot"]

Role = Literal["primary", "canary", "shadow"]


@dataclass(eq=False)
class Slot:
    ref: str
    role: Role = "primary"
    current: LoadedVersion | None = None
    #: the version the ref names in the registry now (None: unknown yet, or alias deleted)
    target: int | None = None
    #: why the slot cannot answer, or is not ready (shown in 503s and readiness bodies)
    reason: str | None = "loading"
    failed: dict[int, str] = field(default_factory=dict)
    model: str = ""
    alias: str = ""

    def __post_init__(self) -> None:
        parsed = parse_ref(self.ref)
        self.model = parsed.model
        self.alias = parsed.value if parsed.kind == "alias" else ""
        self.follows = parsed.kind in ("alias", "latest")

    @property
    def alias_label(self) -> str:
        """The ``alias`` label of metrics: the alias followed, else the role."""
        return self.alias or ("latest" if self.follows else self.role)

    @property
    def ready(self) -> bool:
        cur = self.current
        return cur is not None and cur.warmed and cur.number == self.target

    def why_not_ready(self) -> str | None:
        if self.ready:
            return None
        if self.target is not None and self.target in self.failed:
            return self.failed[self.target]
        if self.target is not None and self.current is not None:
            return f"{self.model}/{self.target} is loading (serving {self.current.number})"
        return self.reason or "loading"

    def get(self) -> LoadedVersion:
        """The version to answer with, or :class:`ModelUnavailable` with the reason."""
        cur = self.current
        if cur is None:
            raise ModelUnavailable(f"{self.ref} is not available: {self.reason or 'loading'}")
        return cur
