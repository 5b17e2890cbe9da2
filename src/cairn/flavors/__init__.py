"""Saving and loading models per framework, safely.

``save_model(obj, dest, ...)`` writes a model in its flavor's safe format and returns the
metadata to store on the version; ``load_predictor(path, meta)`` gives back a
:class:`Predictor`. Frameworks are imported only when a model of theirs is saved or loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "Flavor",
    "Predictor",
    "describe",
    "flavor_names",
    "get_flavor",
    "load_input_example",
    "load_predictor",
    "register_flavor",
    "save_model",
]

if TYPE_CHECKING:
    from cairn.flavors.api import load_input_example, load_predictor, save_model
    from cairn.flavors.base import Flavor, flavor_names, get_flavor, register_flavor
    from cairn.flavors.describe import describe
    from cairn.flavors.predictor import Predictor

_LAZY = {
    "save_model": "cairn.flavors.api",
    "load_predictor": "cairn.flavors.api",
    "load_input_example": "cairn.flavors.api",
    "Flavor": "cairn.flavors.base",
    "flavor_names": "cairn.flavors.base",
    "get_flavor": "cairn.flavors.base",
    "register_flavor": "cairn.flavors.base",
    "describe": "cairn.flavors.describe",
    "Predictor": "cairn.flavors.predictor",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cairn.flavors' has no attribute {name!r}")
