"""Logging, listing, changing and comparing versions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from cairn.catalog.records import GitInfo, Page, ParamValue, VersionRecord
from cairn.environment.git import git_info
from cairn.errors import BadRef, VersionExists
from cairn.refs import parse_ref
from cairn.registry.base import DatasetLike, Progress, RegistryBase, source_paths
from cairn.registry.comparison import Comparison, VersionDiff, compare_versions, diff_versions
from cairn.registry.lineage import dataset_from

__all__ = ["VersionsMixin"]


class VersionsMixin(RegistryBase):
    def log(
        self,
        paths: str | Path | Sequence[str | Path],
        *,
        model: str,
        params: Mapping[str, ParamValue] | None = None,
        metrics: Mapping[str, float] | None = None,
        tags: Mapping[str, str] | None = None,
        description: str = "",
        parents: Sequence[str] = (),
        datasets: Sequence[DatasetLike] = (),
        flavor: str | None = None,
        meta: Mapping[str, Any] | None = None,
        unique: bool = False,
        progress: Progress | None = None,
    ) -> VersionRecord:
        """Snapshot ``paths`` (a directory, or files and directories) as the next version.

        Logging bytes another version of the model already holds is allowed (storage is reused;
        see :meth:`duplicates`) unless ``unique`` is set, which raises :class:`VersionExists`.
        """
        snapshot = self.store.put_tree(source_paths(paths), progress=progress)
        return self.register(
            snapshot.digest,
            model=model,
            params=params,
            metrics=metrics,
            tags=tags,
            description=description,
            parents=parents,
            datasets=datasets,
            flavor=flavor,
            meta=meta,
            unique=unique,
        )

    def register(
        self,
        digest: str,
        *,
        model: str,
        params: Mapping[str, ParamValue] | None = None,
        metrics: Mapping[str, float] | None = None,
        tags: Mapping[str, str] | None = None,
        description: str = "",
        parents: Sequence[str] = (),
        datasets: Sequence[DatasetLike] = (),
        flavor: str | None = None,
        meta: Mapping[str, Any] | None = None,
        unique: bool = False,
        git: GitInfo | Literal["capture"] | None = "capture",
    ) -> VersionRecord:
        """Create the next version of ``model`` from an artifact already in the store.

        ``git`` is the code that logged it: captured from the working directory by default; a
        server passes what its client captured.
        """
        snapshot = self.store.snapshot(digest)
        parent_keys = [self.resolve(ref).key for ref in parents]
        dataset_records = [dataset_from(item) for item in datasets]
        if unique:
            same = [v for v in self.catalog.versions_with_digest(digest) if v.model == model]
            if same:
                raise VersionExists(
                    f"{model} already holds these bytes as version {same[0].number} "
                    f"({digest[:19]}…)"
                )
        return self.catalog.create_version(
            model,
            digest=snapshot.digest,
            size=snapshot.size,
            file_count=snapshot.file_count,
            author=self.actor,
            actor=self.actor,
            flavor=flavor,
            params=dict(params or {}),
            metrics={k: float(v) for k, v in (metrics or {}).items()},
            tags=dict(tags or {}),
            description=description,
            git=git_info() if git == "capture" else git,
            parents=parent_keys,
            datasets=dataset_records,
            meta=dict(meta or {}),
        )

    def duplicates(self, version: VersionRecord) -> list[VersionRecord]:
        """Other versions (any model) whose artifact is byte-identical to ``version``'s."""
        return [
            v
            for v in self.catalog.versions_with_digest(version.digest)
            if (v.model, v.number) != (version.model, version.number)
        ]

    def versions(
        self,
        model: str,
        *,
        filter: str | None = None,
        order_by: str | None = None,
        limit: int = 50,
        page_token: str | None = None,
        include_deleted: bool = False,
    ) -> Page[VersionRecord]:
        return self.catalog.list_versions(
            model,
            filter=filter,
            order_by=order_by,
            limit=limit,
            page_token=page_token,
            include_deleted=include_deleted,
        )

    def search(
        self,
        filter: str | None = None,
        *,
        order_by: str | None = None,
        limit: int = 50,
        page_token: str | None = None,
        include_deleted: bool = False,
    ) -> Page[VersionRecord]:
        return self.catalog.search_versions(
            filter,
            order_by=order_by,
            limit=limit,
            page_token=page_token,
            include_deleted=include_deleted,
        )

    def update_version(
        self,
        ref: str,
        *,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        remove_tags: Sequence[str] = (),
    ) -> VersionRecord:
        v = self.resolve(ref)
        return self.catalog.update_version(
            v.model,
            v.number,
            description=description,
            tags=None if tags is None else dict(tags),
            remove_tags=tuple(remove_tags),
            actor=self.actor,
        )

    def archive(self, ref: str) -> VersionRecord:
        v = self.resolve(ref)
        return self.catalog.update_version(v.model, v.number, status="archived", actor=self.actor)

    def restore(self, ref: str) -> VersionRecord:
        """Bring an archived version, or a deleted one still inside its grace period, back."""
        parsed = parse_ref(ref)
        if parsed.kind != "number":
            raise BadRef(f"{ref!r}: restore needs a version number", "use name/N")
        return self.catalog.update_version(
            parsed.model, parsed.number, status="ready", actor=self.actor
        )

    def delete(self, ref: str) -> VersionRecord:
        """Mark a version deleted; its bytes go at the first ``gc`` after the grace period."""
        v = self.resolve(ref)
        return self.catalog.update_version(v.model, v.number, status="deleted", actor=self.actor)

    def get(self, ref: str, dest: str | Path, *, progress: Progress | None = None) -> VersionRecord:
        """Check the version's files out into ``dest`` (verified, atomic)."""
        v = self.resolve(ref)
        self.store.checkout(v.digest, Path(dest), progress=progress)
        return v

    def diff(self, a: str, b: str) -> VersionDiff:
        """What changed from ``a`` to ``b``: params, metrics, tags, lineage and files."""
        va, vb = self.resolve(a), self.resolve(b)
        return diff_versions(
            va,
            vb,
            self.store.snapshot(va.digest),
            self.store.snapshot(vb.digest),
            new_bytes=self.store.new_bytes,
        )

    def compare(self, refs: Iterable[str]) -> Comparison:
        """Metrics and params of several versions side by side."""
        return compare_versions([self.resolve(ref) for ref in refs])
