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
    "__version__",
    "open",
]

if TYPE_CHECKING:
    from cairn.errors import CairnError
    from cairn.registry import Registry

_LAZY = {
    "Registry": ("cairn.registry", "Registry"),
    "open": ("cairn.registry", "open_registry"),
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
