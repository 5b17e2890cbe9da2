"""cairn: git for ML models.

``cairn.open(uri)`` returns a :class:`~cairn.registry.Registry` (a local folder or a database
URL) or a :class:`~cairn.remote.RemoteRegistry` (``http(s)://``). Heavy modules load lazily so
``import cairn`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "CairnError",
    "Registry",
    "RemoteRegistry",
    "__version__",
    "load_model",
    "log_model",
    "open",
]

if TYPE_CHECKING:
    from cairn.errors import CairnError
    from cairn.registry import Registry, load_model, log_model
    from cairn.registry import open_registry as open
    from cairn.remote import RemoteRegistry

_LAZY = {
    "Registry": ("cairn.registry", "Registry"),
    "open": ("cairn.registry", "open_registry"),
    "log_model": ("cairn.registry", "log_model"),
    "load_model": ("cairn.registry", "load_model"),
    "RemoteRegistry": ("cairn.remote", "RemoteRegistry"),
    "CairnError": ("cairn.errors", "CairnError"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cairn' has no attribute {name!r}")
