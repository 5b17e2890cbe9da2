"""Opening a registry from a URI: a folder, a database URL with a store, or a server."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cairn import settings as settings_module
from cairn.catalog import Catalog
from cairn.errors import InvalidInput, NotFound
from cairn.registry.registry import Registry
from cairn.store import open_store

if TYPE_CHECKING:
    from cairn.catalog.records import VersionRecord
    from cairn.flavors import Predictor
    from cairn.remote import RemoteRegistry

__all__ = ["load_model", "log_model", "open_registry"]


def _is_database_url(uri: str) -> bool:
    return uri.split("://", 1)[0].split("+", 1)[0] in {"sqlite", "postgresql", "postgres"}


def open_registry(
    uri: str | Path | None = None,
    *,
    store: str | None = None,
    token: str | None = None,
    create: bool = True,
) -> Registry | RemoteRegistry:
    """Open a registry: a folder (default ``$CAIRN_HOME`` or ``~/.cairn``), a database URL with
    ``store=`` (``cairn.open("postgresql://…", store="s3://bucket/prefix")``), or a server URL
    (``http(s)://``) which gives a :class:`~cairn.remote.RemoteRegistry`.
    """
    settings = settings_module.load()
    text = str(uri) if uri is not None else settings.default_registry
    if text.startswith(("http://", "https://")):
        from cairn.remote import RemoteRegistry

        return RemoteRegistry(text, token=token or settings.token)
    if _is_database_url(text):
        store_url = store or settings.store
        if store_url is None:
            if not text.startswith("sqlite:///"):
                raise InvalidInput(
                    f"{text.split('@')[-1]} needs a store for the bytes",
                    'pass store="s3://bucket/prefix" (or a folder), or set CAIRN_STORE',
                )
            store_url = str(Path(text.removeprefix("sqlite:///")).parent / "store")
        return Registry(Catalog(text), open_store(store_url, create=create), settings=settings)
    home = Path(text).expanduser()
    if not home.exists():
        if not create:
            raise NotFound(f"no registry at {home}", f"create one with: cairn init {home}")
        home.mkdir(parents=True)
    catalog = Catalog(f"sqlite:///{home / 'catalog.db'}")
    return Registry(
        catalog,
        open_store(store or settings.store or home / "store", create=create),
        home=home,
        settings=settings,
    )


def log_model(obj: Any, *, name: str, **options: Any) -> VersionRecord:
    """``Registry.log_model`` on the default registry (``CAIRN_REGISTRY`` or ``~/.cairn``)."""
    with open_registry() as reg:
        return reg.log_model(obj, name=name, **options)


def load_model(ref: str, **options: Any) -> Predictor:
    """``Registry.load_model`` on the default registry (``CAIRN_REGISTRY`` or ``~/.cairn``)."""
    with open_registry() as reg:
        return reg.load_model(ref, **options)
