"""The catalog's value types: what a model, a version, an alias move and an event look like.

These are the shapes the registry returns, the server sends as JSON and the remote client
parses back, so they are pydantic models (frozen). They are not SQL rows: rows live in
``catalog/schema.py`` and never leave the catalog.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AliasMove",
    "AuditReport",
    "Dataset",
    "Event",
    "GitInfo",
    "ModelRecord",
    "Page",
    "ParamValue",
    "Status",
    "VersionKey",
    "VersionRecord",
]

Status = Literal["ready", "archived", "deleted"]
ParamValue = str | int | float | bool


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class VersionKey(_Record):
    """One version of one model, as lineage points at it: ``model/number``."""

    model: str
    number: int

    def __str__(self) -> str:
        return f"{self.model}/{self.number}"


class Dataset(_Record):
    """A dataset a version was trained or evaluated on, named by digest where known."""

    name: str
    uri: str = ""
    digest: str | None = None


class GitInfo(_Record):
    """The code that logged a version."""

    commit: str
    branch: str | None = None
    dirty: bool = False
    remote: str | None = None


class ModelRecord(_Record):
    name: str
    description: str = ""
    owner: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    created: datetime
    updated: datetime
    latest_version: int | None = None
    version_count: int = 0
    aliases: dict[str, int] = Field(default_factory=dict)


class VersionRecord(_Record):
    """An immutable snapshot; only ``description``, ``tags`` and ``status`` ever change."""

    model: str
    number: int
    digest: str
    size: int
    file_count: int
    flavor: str | None = None
    params: dict[str, ParamValue] = Field(default_factory=dict)
    metrics: dict[str, float] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    description: str = ""
    author: str
    created: datetime
    status: Status = "ready"
    status_changed: datetime | None = None
    git: GitInfo | None = None
    parents: list[VersionKey] = Field(default_factory=list)
    datasets: list[Dataset] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    # Flavor metadata (signature, environment, safety verdict, card, ...): written once at log
    # time by the layers above the catalog, which only stores it.
    meta: dict[str, Any] = Field(default_factory=dict)

    @property
    def key(self) -> VersionKey:
        return VersionKey(model=self.model, number=self.number)

    @property
    def ref(self) -> str:
        return f"{self.model}/{self.number}"


class AliasMove(_Record):
    """One move of an alias: ``from_version`` None means it was created, ``to_version`` None
    that it was removed."""

    model: str
    alias: str
    from_version: int | None
    to_version: int | None
    actor: str
    time: datetime
    reason: str | None = None
    seq: int


class Event(_Record):
    """One entry of the audit log. ``hash = sha256(prev_hash || canonical_json(body))``."""

    seq: int
    time: datetime
    actor: str
    action: str
    subject: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    prev_hash: str
    hash: str


class AuditReport(_Record):
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a keyset-paginated listing; pass ``next_token`` to get the next one."""

    model_config = ConfigDict(frozen=True)

    items: list[T]
    next_token: str | None = None
