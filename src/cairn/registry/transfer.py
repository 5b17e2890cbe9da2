"""Moving versions between registries: only the chunks the other side lacks."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from cairn.catalog.records import VersionRecord
from cairn.registry.base import Progress, RegistryBase
from cairn.store import TransferStats

if TYPE_CHECKING:
    from cairn.registry.registry import Registry
    from cairn.remote import RemoteRegistry

__all__ = ["TransferMixin"]


class TransferMixin(RegistryBase):
    def push(
        self, ref: str, to: TransferMixin | RemoteRegistry, *, progress: Progress | None = None
    ) -> tuple[VersionRecord, TransferStats]:
        """Copy one version into another registry; only the chunks it lacks move."""
        v = self.resolve(ref)
        if not isinstance(to, TransferMixin):
            return to.receive(cast("Registry", self), v, progress=progress)
        stats = self.store.copy(v.digest, to.store, progress=progress)
        return to.adopt(v), stats

    def pull(
        self, ref: str, source: TransferMixin | RemoteRegistry, *, progress: Progress | None = None
    ) -> tuple[VersionRecord, TransferStats]:
        """Copy one version from another registry into this one."""
        return source.push(ref, cast("Registry", self), progress=progress)

    def adopt(self, v: VersionRecord) -> VersionRecord:
        """Record a version whose bytes are already in this store, copied from elsewhere.

        It gets the next number here; lineage is kept for the parents this registry has too.
        """
        parents = [p for p in v.parents if self._has_version(p)]
        meta = {**v.meta, "copied_from": {"ref": v.ref, "created": v.created.isoformat()}}
        return self.catalog.create_version(
            v.model,
            digest=v.digest,
            size=v.size,
            file_count=v.file_count,
            author=v.author,
            actor=self.actor,
            flavor=v.flavor,
            params=dict(v.params),
            metrics=dict(v.metrics),
            tags=dict(v.tags),
            description=v.description,
            git=v.git,
            parents=parents,
            datasets=list(v.datasets),
            meta=meta,
        )
