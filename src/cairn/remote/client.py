"""``RemoteRegistry``: the :class:`~cairn.registry.Registry` API over HTTP.

Same methods, same records, same errors (the server's ``{code, message, hint}`` becomes the
same exception class here). Artifacts move chunk by chunk: ``log`` uploads only the chunks the
server lacks, ``get`` downloads only those missing from the local cache (a store under
``$CAIRN_HOME/cache/remote``), and both resume after a dropped connection.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pydantic import TypeAdapter

from cairn.catalog.records import (
    AliasMove,
    Event,
    ModelRecord,
    Page,
    ParamValue,
    VersionRecord,
)
from cairn.environment.git import git_info
from cairn.errors import BadRef
from cairn.refs import parse_ref
from cairn.registry.base import DatasetLike, Progress, source_paths
from cairn.registry.comparison import Comparison, VersionDiff
from cairn.registry.lineage import dataset_from
from cairn.registry.model_logging import ModelLoggingMixin
from cairn.remote.aliases import AliasesMixin
from cairn.remote.exchange import ExchangeMixin
from cairn.remote.transfer import download, upload
from cairn.store import TransferStats, open_store

if TYPE_CHECKING:
    pass

__all__ = ["RemoteRegistry"]

_MEMORY_STAGING_BYTES = 32 * 1024 * 1024


def _total_size(source: Path | list[Path]) -> int:
    """Bytes under ``source`` (stops counting past the staging limit)."""
    total = 0
    for item in [source] if isinstance(source, Path) else source:
        if item.is_file():
            total += item.stat().st_size
            continue
        for root, _dirs, files in os.walk(item):
            for name in files:
                try:
                    total += (Path(root) / name).stat().st_size
                except OSError:
                    continue
                if total > _MEMORY_STAGING_BYTES:
                    return total
    return total


_VERSIONS = TypeAdapter(list[VersionRecord])
_MOVES = TypeAdapter(list[AliasMove])
_EVENTS = TypeAdapter(list[Event])


def _tuples(data: dict[str, Any]) -> dict[str, Any]:
    return {
        k: tuple(tuple(i) if isinstance(i, list) else i for i in v) if isinstance(v, list) else v
        for k, v in data.items()
    }


class RemoteRegistry(AliasesMixin, ExchangeMixin, ModelLoggingMixin):
    """A registry behind ``cairn server``; get one with ``cairn.open("http://host:port")``."""

    def __enter__(self) -> RemoteRegistry:
        return self

    # -- lifecycle ---------------------------------------------------------------------------

    # -- models ------------------------------------------------------------------------------

    def create_model(
        self,
        name: str,
        *,
        description: str = "",
        owner: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> ModelRecord:
        body = {"name": name, "description": description, "owner": owner, "tags": dict(tags or {})}
        return ModelRecord.model_validate_json(
            self.session.raw("POST", "/api/v1/models", json=body)
        )

    def get_model(self, name: str) -> ModelRecord:
        return ModelRecord.model_validate_json(self._raw(f"/api/v1/models/{quote(name)}"))

    def models(
        self,
        filter: str | None = None,
        *,
        order_by: str | None = None,
        limit: int = 50,
        page_token: str | None = None,
    ) -> Page[ModelRecord]:
        data = self._get(
            "/api/v1/models", filter=filter, order_by=order_by, limit=limit, page_token=page_token
        )
        return Page[ModelRecord].model_validate(data)

    def update_model(
        self,
        name: str,
        *,
        description: str | None = None,
        owner: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> ModelRecord:
        body = {
            "description": description,
            "owner": owner,
            "tags": None if tags is None else dict(tags),
        }
        data = self.session.json("PATCH", f"/api/v1/models/{quote(name)}", json=body)
        return ModelRecord.model_validate(data)

    def delete_model(self, name: str) -> None:
        self.session.request("DELETE", f"/api/v1/models/{quote(name)}")

    # -- refs and versions -------------------------------------------------------------------

    def _path(self, ref: str) -> str:
        v = self.resolve(ref)
        return f"/api/v1/models/{quote(v.model)}/versions/{v.number}"

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
        """Snapshot ``paths`` locally, upload the chunks the server lacks, register it."""
        source = source_paths(paths)
        # Small artifacts are chunked in memory (no local fsync); large ones go through the
        # on-disk cache so an interrupted upload can resume without re-reading the files.
        small = _total_size(source) <= _MEMORY_STAGING_BYTES
        staging = open_store("memory://") if small else self.cache
        try:
            snapshot = staging.put_tree(source, progress=progress)
            upload(self.session, staging, snapshot.digest, model)
            self._uploaded.add(snapshot.digest)
        finally:
            if small:
                staging.close()
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

    def upload(self, digest: str, *, model: str, progress: Progress | None = None) -> TransferStats:
        """Send an artifact of the local cache to the server (only the chunks it lacks)."""
        stats = upload(self.session, self.cache, digest, model, progress)
        self._uploaded.add(digest)
        return stats

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
    ) -> VersionRecord:
        """Create the next version of ``model`` from an artifact (uploaded first if the local
        cache has it and the server does not)."""
        if (
            digest not in self._uploaded
            and self._cache_dir.exists()
            and self.cache.has_snapshot(digest)
        ):
            self.upload(digest, model=model)
        git = git_info()
        body = {
            "digest": digest,
            "params": dict(params or {}),
            "metrics": {k: float(v) for k, v in (metrics or {}).items()},
            "tags": dict(tags or {}),
            "description": description,
            "parents": list(parents),
            "datasets": [dataset_from(d).model_dump(mode="json") for d in datasets],
            "flavor": flavor,
            "meta": dict(meta or {}),
            "unique": unique,
            "git": None if git is None else git.model_dump(mode="json"),
        }
        data = self.session.json("POST", f"/api/v1/models/{quote(model)}/versions", json=body)
        return VersionRecord.model_validate(data)

    def duplicates(self, version: VersionRecord) -> list[VersionRecord]:
        path = f"/api/v1/models/{quote(version.model)}/versions/{version.number}/duplicates"
        return _VERSIONS.validate_python(self._get(path))

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
        data = self._get(
            f"/api/v1/models/{quote(model)}/versions",
            filter=filter,
            order_by=order_by,
            limit=limit,
            page_token=page_token,
            include_deleted=include_deleted,
        )
        return Page[VersionRecord].model_validate(data)

    def search(
        self,
        filter: str | None = None,
        *,
        order_by: str | None = None,
        limit: int = 50,
        page_token: str | None = None,
        include_deleted: bool = False,
    ) -> Page[VersionRecord]:
        data = self._get(
            "/api/v1/search",
            filter=filter,
            order_by=order_by,
            limit=limit,
            page_token=page_token,
            include_deleted=include_deleted,
        )
        return Page[VersionRecord].model_validate(data)

    def update_version(
        self,
        ref: str,
        *,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        remove_tags: Sequence[str] = (),
    ) -> VersionRecord:
        body = {
            "description": description,
            "tags": None if tags is None else dict(tags),
            "remove_tags": list(remove_tags),
        }
        return VersionRecord.model_validate_json(
            self.session.raw("PATCH", self._path(ref), json=body)
        )

    def archive(self, ref: str) -> VersionRecord:
        return VersionRecord.model_validate_json(
            self.session.raw("POST", self._path(ref) + "/archive")
        )

    def restore(self, ref: str) -> VersionRecord:
        parsed = parse_ref(ref)
        if parsed.kind != "number":
            raise BadRef(f"{ref!r}: restore needs a version number", "use name/N")
        path = f"/api/v1/models/{quote(parsed.model)}/versions/{parsed.number}/restore"
        return VersionRecord.model_validate_json(self.session.raw("POST", path))

    def delete(self, ref: str) -> VersionRecord:
        return VersionRecord.model_validate_json(self.session.raw("DELETE", self._path(ref)))

    def get(self, ref: str, dest: str | Path, *, progress: Progress | None = None) -> VersionRecord:
        """Download the chunks the local cache lacks, then check the files out into ``dest``."""
        v = self.resolve(ref)
        download(self.session, v.digest, self.cache, progress)
        self.cache.checkout(v.digest, Path(dest))
        return v

    def diff(self, a: str, b: str) -> VersionDiff:
        return VersionDiff.model_validate_json(self._raw("/api/v1/diff", a=a, b=b))

    def compare(self, refs: Iterable[str]) -> Comparison:
        return Comparison.model_validate_json(self._raw("/api/v1/compare", ref=list(refs)))
