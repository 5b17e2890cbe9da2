"""``RemoteRegistry``: the :class:`~cairn.registry.Registry` API over HTTP.

Same methods, same records, same errors (the server's ``{code, message, hint}`` becomes the
same exception class here). Artifacts move chunk by chunk: ``log`` uploads only the chunks the
server lacks, ``get`` downloads only those missing from the local cache (a store under
``$CAIRN_HOME/cache/remote``), and both resume after a dropped connection.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
from pydantic import TypeAdapter

from cairn import settings as settings_module
from cairn.catalog import ANY
from cairn.catalog.records import (
    AliasMove,
    AuditReport,
    Event,
    ModelRecord,
    Page,
    ParamValue,
    VersionRecord,
)
from cairn.digest import hash_bytes
from cairn.environment.git import git_info
from cairn.errors import BadRef, CairnError, InvalidInput
from cairn.refs import Ref, parse_ref
from cairn.registry.base import DatasetLike, Progress
from cairn.registry.checkouts import verify_tree
from cairn.registry.comparison import Comparison, VersionDiff
from cairn.registry.lineage import dataset_from
from cairn.registry.maintenance import RegistryCheck
from cairn.remote.credentials import saved_token
from cairn.remote.events import follow_events
from cairn.remote.http import Session
from cairn.remote.transfer import download, upload
from cairn.store import FsckReport, GcReport, Store, TransferStats, open_store

if TYPE_CHECKING:
    from cairn.flavors import Predictor
    from cairn.registry import Registry

__all__ = ["RemoteRegistry"]

_VERSIONS = TypeAdapter(list[VersionRecord])
_MOVES = TypeAdapter(list[AliasMove])
_EVENTS = TypeAdapter(list[Event])


def _tuples(data: dict[str, Any]) -> dict[str, Any]:
    return {
        k: tuple(tuple(i) if isinstance(i, list) else i for i in v) if isinstance(v, list) else v
        for k, v in data.items()
    }


class RemoteRegistry:
    """A registry behind ``cairn server``; get one with ``cairn.open("http://host:port")``."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        client: httpx.Client | None = None,
        cache: str | Path | None = None,
        timeout: float = 120.0,
    ) -> None:
        self.settings = settings_module.load()
        self.url = url.rstrip("/")
        if token is None:
            token = saved_token(self.settings.home, self.url)
        self.session = Session(
            self.url, token=token, actor=self.settings.user, client=client, timeout=timeout
        )
        key = hash_bytes(self.url.encode())[7:23]
        self._cache_dir = Path(cache) if cache else self.settings.home / "cache" / "remote" / key
        self._cache: Store | None = None
        self._actor: str | None = None
        self._uploaded: set[str] = set()  # artifacts this client put on the server

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def cache(self) -> Store:
        """The local store downloads land in (and uploads are chunked through)."""
        if self._cache is None:
            self._cache = open_store(self._cache_dir)
        return self._cache

    def close(self) -> None:
        self.session.close()
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    def __enter__(self) -> RemoteRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RemoteRegistry({self.url!r})"

    @property
    def actor(self) -> str:
        """Who the server records as acting: the token's user."""
        if self._actor is None:
            self._actor = str(self.session.json("GET", "/api/v1/whoami")["name"])
        return self._actor

    def _get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.session.json("GET", path, params=clean)

    def _raw(self, path: str, **params: Any) -> bytes:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.session.raw("GET", path, params=clean)

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

    def resolve(self, ref: str | Ref) -> VersionRecord:
        return VersionRecord.model_validate_json(self._raw("/api/v1/resolve", ref=str(ref)))

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
        if isinstance(paths, str | Path):
            source: Path | list[Path] = Path(paths)
        else:
            source = [Path(p) for p in paths]
            if not source:
                raise InvalidInput("nothing to log", "give at least one file or directory")
        snapshot = self.cache.put_tree(source, progress=progress)
        self.upload(snapshot.digest, model=model)
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

    def read_file(self, ref: str, path: str, start: int = 0, end: int | None = None) -> bytes:
        """Bytes ``[start, end)`` of one file of a version (a ranged read; nothing cached)."""
        v = self.resolve(ref)
        last = "" if end is None else str(end - 1)
        answer = self.session.request(
            "GET",
            f"/api/v1/artifacts/{quote(v.digest)}/files/{quote(path)}",
            headers={"Range": f"bytes={start}-{last}"},
        )
        return answer.content

    def diff(self, a: str, b: str) -> VersionDiff:
        return VersionDiff.model_validate_json(self._raw("/api/v1/diff", a=a, b=b))

    def compare(self, refs: Iterable[str]) -> Comparison:
        return Comparison.model_validate_json(self._raw("/api/v1/compare", ref=list(refs)))

    # -- aliases -----------------------------------------------------------------------------

    def _alias_ref(self, ref: str) -> Ref:
        parsed = parse_ref(ref)
        if parsed.kind != "alias":
            raise BadRef(f"{ref!r} does not name an alias", "use name@alias, e.g. fraud@production")
        return parsed

    def _alias_path(self, parsed: Ref) -> str:
        return f"/api/v1/models/{quote(parsed.model)}/aliases/{quote(parsed.value)}"

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

    # -- maintenance and the audit log ---------------------------------------------------------

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

    # -- moving versions between registries ----------------------------------------------------

    def receive(
        self, source: Registry, v: VersionRecord, *, progress: Progress | None = None
    ) -> tuple[VersionRecord, TransferStats]:
        """Take version ``v`` of the local registry ``source`` (``source.push(ref, to=self)``)."""
        stats = upload(self.session, source.store, v.digest, v.model, progress)
        body = v.model_dump(mode="json")
        data = self.session.json("POST", f"/api/v1/models/{quote(v.model)}/adopt", json=body)
        return VersionRecord.model_validate(data), stats

    def push(
        self, ref: str, to: Registry | RemoteRegistry, *, progress: Progress | None = None
    ) -> tuple[VersionRecord, TransferStats]:
        """Copy one version from this server into ``to``; only the chunks it lacks move."""
        v = self.resolve(ref)
        if isinstance(to, RemoteRegistry):
            download(self.session, v.digest, self.cache)
            stats = upload(to.session, self.cache, v.digest, v.model, progress)
            data = to.session.json(
                "POST", f"/api/v1/models/{quote(v.model)}/adopt", json=v.model_dump(mode="json")
            )
            return VersionRecord.model_validate(data), stats
        stats = download(self.session, v.digest, to.store, progress)
        return to.adopt(v), stats

    def pull(
        self, ref: str, source: Registry | RemoteRegistry, *, progress: Progress | None = None
    ) -> tuple[VersionRecord, TransferStats]:
        """Copy one version from ``source`` into this server."""
        if isinstance(source, RemoteRegistry):
            return source.push(ref, self, progress=progress)
        return source.push(ref, self, progress=progress)

    # -- models in, models out -----------------------------------------------------------------

    def log_model(
        self,
        obj: Any,
        *,
        name: str,
        input_example: Any = None,
        params: Mapping[str, ParamValue] | None = None,
        metrics: Mapping[str, float] | None = None,
        tags: Mapping[str, str] | None = None,
        description: str = "",
        parents: Sequence[str] = (),
        datasets: Sequence[DatasetLike] = (),
        unsafe: bool = False,
        unique: bool = False,
        **flavor_options: Any,
    ) -> VersionRecord:
        """Save a trained model object with its flavor's safe format and log it."""
        from cairn.flavors import save_model

        with tempfile.TemporaryDirectory(prefix="cairn-model-") as tmp:
            meta = save_model(
                obj, Path(tmp), input_example=input_example, unsafe=unsafe, **flavor_options
            )
            return self.log(
                Path(tmp),
                model=name,
                params=params,
                metrics=metrics,
                tags=tags,
                description=description,
                parents=parents,
                datasets=datasets,
                flavor=meta.get("flavor"),
                meta=meta,
                unique=unique,
            )

    def checkout_cached(self, v: VersionRecord) -> Path:
        """A verified checkout of ``v`` in the local cache (downloaded once, reused)."""
        root = self.settings.home / "cache" / v.digest.replace(":", "-")
        if root.exists():
            try:
                verify_tree(self.cache.snapshot(v.digest), root)
            except (CairnError, OSError):
                shutil.rmtree(root)
        if not root.exists():
            download(self.session, v.digest, self.cache)
            root.parent.mkdir(parents=True, exist_ok=True)
            self.cache.checkout(v.digest, root)
        return root

    def load_model(
        self, ref: str, *, strict: bool = False, trusted: Sequence[str] = ()
    ) -> Predictor:
        from cairn.flavors import load_predictor

        v = self.resolve(ref)
        return load_predictor(self.checkout_cached(v), v.meta, strict=strict, trusted=trusted)
