"""The core of the registry: opening state, who acts, models, and resolving refs."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from cairn import settings as settings_module
from cairn.catalog import Catalog
from cairn.catalog.records import Dataset, ModelRecord, Page, VersionKey, VersionRecord
from cairn.environment.git import git_user
from cairn.errors import AmbiguousRef, BadRef, InvalidInput, NotFound
from cairn.refs import Ref, parse_ref
from cairn.store import Store

__all__ = ["DatasetLike", "Progress", "RegistryBase", "source_paths"]

Progress = Callable[[int], None]
DatasetLike = Dataset | Mapping[str, Any] | str


def source_paths(paths: str | Path | Sequence[str | Path]) -> Path | list[Path]:
    """What ``log`` snapshots: one folder (its contents) or file, or a non-empty list of them."""
    if isinstance(paths, str | Path):
        return Path(paths)
    listed = [Path(p) for p in paths]
    if not listed:
        raise InvalidInput("nothing to log", "give at least one file or directory")
    return listed


class RegistryBase:
    """State every part of the registry shares: the catalog, the store and who acts."""

    def __init__(
        self,
        catalog: Catalog,
        store: Store,
        *,
        home: Path | None = None,
        settings: settings_module.Settings | None = None,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.home = home
        self.settings = settings or settings_module.load()
        self._actor: str | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        self.catalog.close()
        self.store.close()

    def __enter__(self) -> RegistryBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def actor(self) -> str:
        """Who is acting: ``CAIRN_USER``, else git's ``user.name``, else the OS user."""
        if self._actor is None:
            self._actor = self.settings.user or git_user() or getpass.getuser()
        return self._actor

    @actor.setter
    def actor(self, value: str) -> None:
        self._actor = value

    # -- models ----------------------------------------------------------------------------

    def create_model(
        self,
        name: str,
        *,
        description: str = "",
        owner: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> ModelRecord:
        return self.catalog.create_model(
            name, description=description, owner=owner, tags=dict(tags or {}), actor=self.actor
        )

    def get_model(self, name: str) -> ModelRecord:
        return self.catalog.get_model(name)

    def models(
        self,
        filter: str | None = None,
        *,
        order_by: str | None = None,
        limit: int = 50,
        page_token: str | None = None,
    ) -> Page[ModelRecord]:
        return self.catalog.list_models(
            filter=filter, order_by=order_by, limit=limit, page_token=page_token
        )

    def update_model(
        self,
        name: str,
        *,
        description: str | None = None,
        owner: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> ModelRecord:
        return self.catalog.update_model(
            name,
            description=description,
            owner=owner,
            tags=None if tags is None else dict(tags),
            actor=self.actor,
        )

    def delete_model(self, name: str) -> None:
        self.catalog.delete_model(name, actor=self.actor)

    # -- refs ------------------------------------------------------------------------------

    def resolve(self, ref: str | Ref) -> VersionRecord:
        """The version a ref names: ``name@alias``, ``name/3``, ``name/latest``, ``name:ab12``."""
        parsed = parse_ref(ref) if isinstance(ref, str) else ref
        if parsed.kind == "alias":
            return self.catalog.resolve_alias(parsed.model, parsed.value)
        if parsed.kind == "number":
            return self.catalog.get_version(parsed.model, parsed.number)
        if parsed.kind == "latest":
            return self.catalog.latest_version(parsed.model)
        found = self.catalog.find_versions(parsed.model, parsed.value)
        if not found:
            self.catalog.get_model(parsed.model)  # names close matches if the model is wrong
            raise NotFound(
                f"no version of {parsed.model} has a digest starting with {parsed.value}",
                f"list digests with: cairn versions {parsed.model}",
            )
        if len(found) > 1 and len({v.digest for v in found}) > 1:
            names = ", ".join(f"{v.ref} ({v.digest[7:19]})" for v in found[:5])
            raise AmbiguousRef(f"{parsed} matches {len(found)} versions: {names}")
        return max(found, key=lambda v: v.number)

    def _alias_ref(self, ref: str) -> Ref:
        parsed = parse_ref(ref)
        if parsed.kind != "alias":
            raise BadRef(f"{ref!r} does not name an alias", "use name@alias, e.g. fraud@production")
        return parsed

    def _number_in(self, model: str, ref: str) -> int:
        text = ref if any(c in ref for c in "@/:") else f"{model}/{ref}"
        v = self.resolve(text)
        if v.model != model:
            raise BadRef(f"{ref!r} is a version of {v.model}, not of {model}")
        return v.number

    def _has_version(self, key: VersionKey) -> bool:
        try:
            self.catalog.get_version(key.model, key.number)
        except NotFound:
            return False
        return True
