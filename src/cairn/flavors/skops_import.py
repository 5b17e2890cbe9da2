"""Import ``skops.io`` fast: its default trusted types, computed once per installation.

Importing ``skops.io`` builds lists of trusted type names (``skops.io._trusted_types``) by
importing every scikit-learn module through ``all_estimators()``: about 0.7 s and 70 MiB in
every process that loads a model, for lists that only change when a package does. cairn
computes them once, keeps them as JSON in ``CAIRN_HOME/cache/``, keyed by the Python, skops,
scikit-learn, NumPy and SciPy versions, and hands skops the same lists on later imports.

Trust is unchanged: a cached list holds exactly what skops computed. Like ``~/.ssh``, the
cache is used only if the current user owns it and no one else can write it (the folder is
made 0700, the file 0600), and only if every name is in a package skops takes such names from.
Anything unexpected (an unreadable or foreign cache, a skops that needs more from that module)
falls back to the plain import.

While the lists are computed (and PyTorch is not loaded already) ``import torch`` fails:
one scikit-learn module imports PyTorch when it is installed, +1.5 s and +180 MiB for a model
that never uses it. A model that does use PyTorch imports it later as usual.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import json
import os
import sys
import tempfile
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cairn.flavors.base import require
from cairn.settings import load as load_settings

__all__ = ["skops_io", "trusted_types_cache"]

TRUSTED_TYPES = "skops.io._trusted_types"
# The package each list of type names may come from.
_ROOTS = ("builtins", "sklearn", "numpy", "scipy")


class _NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


@contextlib.contextmanager
def _without_torch() -> Iterator[None]:
    if "torch" in sys.modules:
        yield
        return
    finder = _NoTorch()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def trusted_types_cache() -> Path:
    """The cache file for the installed versions (it may not exist yet)."""
    import numpy
    import scipy
    import sklearn
    import skops

    versions = [
        f"py{sys.version_info[0]}.{sys.version_info[1]}",
        f"skops{skops.__version__}",
        f"sklearn{sklearn.__version__}",
        f"numpy{numpy.__version__}",
        f"scipy{scipy.__version__}",
    ]
    return load_settings().home / "cache" / f"skops-trusted-{'-'.join(versions)}.json"


def _name_lists(module: types.ModuleType) -> dict[str, list[str]]:
    return {
        key: list(value)
        for key, value in vars(module).items()
        if key.endswith("_NAMES") and isinstance(value, list)
        if all(isinstance(v, str) for v in value)
    }


def _acceptable(lists: object) -> bool:
    if not isinstance(lists, dict) or not lists:
        return False
    for names in lists.values():
        if not isinstance(names, list):
            return False
        for name in names:
            if not isinstance(name, str) or name.split(".")[0] not in _ROOTS:
                return False
    return True


def _read(cache: Path) -> dict[str, list[str]] | None:
    try:
        with open(cache, "rb") as f:
            st = os.fstat(f.fileno())
            if st.st_uid != os.getuid() or st.st_mode & 0o022:
                return None
            lists = json.load(f)
    except (OSError, ValueError):
        return None
    return lists if _acceptable(lists) else None


def _write(cache: Path, lists: dict[str, list[str]]) -> None:
    """Best effort and atomic: a cache that cannot be written only costs time."""
    try:
        cache.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=cache.parent, prefix=".skops-", suffix=".json")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(lists, f)
        Path(name).replace(cache)
    except OSError:
        Path(name).unlink(missing_ok=True)


def _forget_skops_io() -> None:
    for name in [n for n in sys.modules if n == "skops.io" or n.startswith("skops.io.")]:
        del sys.modules[name]


def _import_from_cache(lists: dict[str, list[str]]) -> types.ModuleType | None:
    module = types.ModuleType(TRUSTED_TYPES, "skops' trusted type names, from cairn's cache")
    module.__dict__.update(lists)
    sys.modules[TRUSTED_TYPES] = module
    try:
        return importlib.import_module("skops.io")
    except ImportError:
        _forget_skops_io()  # this skops needs more than the lists: import it the plain way
        return None


def skops_io() -> Any:
    """``skops.io``, with its trusted type names from the cache when they are there."""
    require("skops", "sklearn")
    if "skops.io" in sys.modules:
        return sys.modules["skops.io"]
    cache = trusted_types_cache()
    lists = _read(cache)
    if lists is not None and (module := _import_from_cache(lists)) is not None:
        return module
    with _without_torch():
        module = importlib.import_module("skops.io")
    lists = _name_lists(sys.modules[TRUSTED_TYPES])
    if _acceptable(lists):
        _write(cache, lists)
    return module
