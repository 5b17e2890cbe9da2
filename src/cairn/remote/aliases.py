"""Aliases, the audit log and maintenance over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

from pydantic import TypeAdapter

from cairn.catalog import ANY
from cairn.catalog.records import AliasMove, AuditReport, Event
from cairn.registry.base import Progress
from cairn.registry.maintenance import RegistryCheck
from cairn.remote.base import RemoteBase
from cairn.remote.events import follow_events
from cairn.store import FsckReport, GcReport

__all__ = ["AliasesMixin"]

_MOVES = TypeAdapter(list[AliasMove])
_EVENTS = TypeAdapter(list[Event])


def _tuples(data: dict[str, Any]) -> dict[str, Any]:
    return {
        k: tuple(tuple(i) if isinstance(i, list) else i for i in v) if isinstance(v, list) else v
        for k, v in data.items()
    }


class AliasesMixin(RemoteBase):
    def set_alias(
        self,
        model: str,
        alias: str,
        version: int | str,
        *,
        expected: Any = ANY,
        reason: str | None = None,
    ) -> AliasMove:
        body = {
            "version": version,
            "expected": "any" if expected is ANY else expected,
            "reason": reason,
        }
        path = f"/api/v1/models/{quote(model)}/aliases/{quote(alias)}"
        return AliasMove.model_validate_json(self.session.raw("PUT", path, json=body))

    def delete_alias(
        self, ref: str, *, expected: Any = ANY, reason: str | None = None
    ) -> AliasMove:
        body = {"expected": "any" if expected is ANY else expected, "reason": reason}
        path = self._alias_path(self._alias_ref(ref)) + "/delete"
        return AliasMove.model_validate_json(self.session.raw("POST", path, json=body))

    def aliases(self, model: str) -> dict[str, int]:
        return dict(self._get(f"/api/v1/models/{quote(model)}/aliases"))

    def alias_history(self, ref: str) -> list[AliasMove]:
        return _MOVES.validate_python(
            self._get(self._alias_path(self._alias_ref(ref)) + "/history")
        )

    def alias_at(self, ref: str, when: datetime) -> int | None:
        path = self._alias_path(self._alias_ref(ref)) + "/at"
        found = self._get(path, time=when.isoformat())["version"]
        return None if found is None else int(found)

    def rollback(self, ref: str, *, to: str | None = None, reason: str | None = None) -> AliasMove:
        path = self._alias_path(self._alias_ref(ref)) + "/rollback"
        body = {"to": to, "reason": reason}
        return AliasMove.model_validate_json(self.session.raw("POST", path, json=body))

    def events(
        self,
        *,
        after: int = 0,
        limit: int = 100,
        subject: str | None = None,
        action: str | None = None,
    ) -> list[Event]:
        data = self._get("/api/v1/events", after=after, limit=limit, subject=subject, action=action)
        return _EVENTS.validate_python(data)

    def follow(
        self,
        *,
        after: int | None = None,
        model: str | None = None,
        action: str | None = None,
    ) -> Iterator[Event]:
        """Events as they happen (server-sent events), from ``seq > after`` (None: from now);
        reconnects by itself and resumes where it stopped."""
        return follow_events(self.session, after=after, model=model, action=action)

    def verify_audit(self) -> AuditReport:
        return AuditReport.model_validate_json(self._raw("/api/v1/audit/verify"))

    def gc(self, *, grace: float | None = None, dry_run: bool = False) -> GcReport:
        data = self.session.json(
            "POST", "/api/v1/admin/gc", json={"grace": grace, "dry_run": dry_run}
        )
        return GcReport(**_tuples(data))

    def fsck(self, *, progress: Progress | None = None) -> RegistryCheck:
        data = self.session.json("POST", "/api/v1/admin/fsck")
        return RegistryCheck(
            store=FsckReport(**_tuples(data["store"])),
            missing_artifacts=list(data["missing_artifacts"]),
        )
