"""Looking after a registry: gc, fsck and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cairn.catalog.records import AuditReport, Event
from cairn.registry.base import Progress, RegistryBase
from cairn.store import FsckReport, GcReport

__all__ = ["MaintenanceMixin", "RegistryCheck"]


@dataclass(frozen=True)
class RegistryCheck:
    """What ``fsck`` found: the store's own report, and versions whose artifact is gone."""

    store: FsckReport
    missing_artifacts: list[str]

    @property
    def ok(self) -> bool:
        return bool(self.store.ok) and not self.missing_artifacts


class MaintenanceMixin(RegistryBase):
    def gc(self, *, grace: float | None = None, dry_run: bool = False) -> GcReport:
        """Purge versions deleted longer ago than the grace period, then drop unreferenced bytes."""
        grace_s = self.settings.delete_grace_seconds if grace is None else grace
        if not dry_run:
            cutoff = datetime.now(UTC) - timedelta(seconds=grace_s)
            self.catalog.purge_deleted(cutoff, actor=self.actor)
        keep = self.catalog.referenced_digests()
        return self.store.gc(keep, grace=min(grace_s, 3600.0), dry_run=dry_run)

    def fsck(self, *, progress: Progress | None = None) -> RegistryCheck:
        """Re-hash everything in the store and check every version's artifact is there."""
        report = self.store.fsck(progress=progress)
        missing = [
            digest
            for digest in sorted(self.catalog.referenced_digests())
            if not self.store.has_snapshot(digest)
        ]
        return RegistryCheck(store=report, missing_artifacts=missing)

    def events(
        self,
        *,
        after: int = 0,
        limit: int = 100,
        subject: str | None = None,
        action: str | None = None,
    ) -> list[Event]:
        return self.catalog.events(after=after, limit=limit, subject=subject, action=action)

    def verify_audit(self) -> AuditReport:
        return self.catalog.verify_audit()
