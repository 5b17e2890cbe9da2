"""What a flavor is, and the table of flavors (built-ins plus the ``cairn.flavors`` entry points).

A flavor knows one framework: whether an object belongs to it (:meth:`Flavor.detect`, cheap,
never imports the framework), how to write it into a directory in a safe format
(:meth:`Flavor.save`), how to read it back (:meth:`Flavor.load`, refusing anything it cannot
trust) and how to call it (:meth:`Flavor.predict`).

A third party adds a flavor with an entry point in its ``pyproject.toml``::

    [project.entry-points."cairn.flavors"]
    catboost = "cairn_catboost:CatBoostFlavor"

or at run time with :func:`register_flavor`.
"""

from __future__ import annotations

import importlib
import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from cairn.errors import FlavorError

__all__ = [
    "Flavor",
    "SaveContext",
    "SaveResult",
    "class_path",
    "detect_flavor",
    "flavor_names",
    "get_flavor",
    "import_class",
    "inside",
    "register_flavor",
]

ENTRY_POINT_GROUP = "cairn.flavors"

# The built-ins, also declared as entry points in pyproject.toml; listed here as well so a
# source checkout without fresh package metadata still finds them.
_BUILTINS: dict[str, str] = {
    "sklearn": "cairn.flavors.sklearn:SklearnFlavor",
    "xgboost": "cairn.flavors.xgboost:XGBoostFlavor",
    "lightgbm": "cairn.flavors.lightgbm:LightGBMFlavor",
    "pytorch": "cairn.flavors.pytorch:PyTorchFlavor",
    "onnx": "cairn.flavors.onnx:OnnxFlavor",
    "python_function": "cairn.flavors.pyfunc:PythonFunctionFlavor",
    "pickle": "cairn.flavors.unsafe:PickleFlavor",
}


@dataclass
class SaveContext:
    """Everything :func:`~cairn.flavors.save_model` was told, for the flavor to use."""

    input_example: Any = None
    unsafe: bool = False
    trusted: Sequence[str] = ()
    onnx: bool = False
    code_paths: Sequence[Path] = ()
    artifacts: Mapping[str, Path] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class SaveResult:
    """What a flavor wrote: its format, JSON-able metadata, the safety verdict, and the
    distributions it needs at load time (names; versions are pinned from the environment)."""

    format: str
    flavor_meta: dict[str, Any]
    requirements: list[str]
    safe: bool = True
    scan: dict[str, Any] | None = None


class Flavor:
    """Base class of a flavor. Subclasses set ``name`` and override the four methods."""

    name: ClassVar[str] = ""
    #: lower runs first in detection; frameworks whose classes subclass scikit-learn's go first.
    priority: ClassVar[int] = 50

    def detect(self, obj: Any) -> bool:
        """True if ``obj`` belongs to this flavor. Must not import the framework."""
        return False

    def save(self, obj: Any, dest: Path, ctx: SaveContext) -> SaveResult:
        raise NotImplementedError

    def load(self, path: Path, meta: Mapping[str, Any], trusted: Sequence[str]) -> Any:
        raise NotImplementedError

    def predict(self, raw: Any, data: Any, meta: Mapping[str, Any]) -> Any:
        return raw.predict(data)


_registry: dict[str, Flavor] = {}
_loaded_entry_points = False


def register_flavor(flavor: Flavor | type[Flavor], *, replace: bool = False) -> Flavor:
    """Add a flavor to the table (the hook entry points go through). Returns the instance."""
    instance = flavor() if isinstance(flavor, type) else flavor
    if not instance.name:
        raise FlavorError(f"{type(instance).__name__} has no name", "set the class attribute name")
    if instance.name in _registry and not replace:
        existing = type(_registry[instance.name])
        if existing is not type(instance):
            raise FlavorError(
                f"flavor {instance.name!r} is already registered by {existing.__module__}",
                "pick another name, or pass replace=True",
            )
    _registry[instance.name] = instance
    return instance


def _load_target(target: str) -> type[Flavor]:
    module, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if not (isinstance(obj, type) and issubclass(obj, Flavor)):
        raise FlavorError(f"{target} is not a cairn Flavor", "point the entry point at a Flavor")
    return obj


def _load_entry_points() -> None:
    global _loaded_entry_points
    if _loaded_entry_points:
        return
    _loaded_entry_points = True
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in _BUILTINS or ep.name in _registry:
            continue
        try:
            register_flavor(_load_target(ep.value))
        except Exception as exc:
            warnings.warn(
                f"cairn: flavor entry point {ep.name!r} ({ep.value}) failed to load: {exc}",
                stacklevel=2,
            )


def get_flavor(name: str) -> Flavor:
    """The flavor called ``name``; :class:`FlavorError` if none is installed."""
    if name in _registry:
        return _registry[name]
    if name in _BUILTINS:
        return register_flavor(_load_target(_BUILTINS[name]))
    _load_entry_points()
    if name in _registry:
        return _registry[name]
    raise FlavorError(
        f"no flavor named {name!r} is installed (known: {', '.join(flavor_names())})",
        "install the package that provides it (entry point group 'cairn.flavors')",
    )


def flavor_names() -> list[str]:
    _load_entry_points()
    return sorted(set(_BUILTINS) | set(_registry))


def detect_flavor(obj: Any, *, unsafe: bool = False) -> Flavor:
    """The first flavor (by priority) that recognises ``obj``."""
    candidates = [get_flavor(name) for name in flavor_names()]
    for flavor in sorted(candidates, key=lambda f: (f.priority, f.name)):
        if flavor.name != "pickle" and flavor.detect(obj):
            return flavor
    if unsafe:
        return get_flavor("pickle")
    raise FlavorError(
        f"no flavor knows how to save a {type(obj).__module__}.{type(obj).__qualname__}",
        "wrap it in a cairn.flavors.pyfunc.PythonModel, pass flavor=..., "
        "or pass unsafe=True to pickle it",
    )


# -- helpers shared by flavors ---------------------------------------------------------------


def class_path(obj_or_cls: Any) -> str:
    """``module:qualname`` of an object's class (or of a class)."""
    cls = obj_or_cls if isinstance(obj_or_cls, type) else type(obj_or_cls)
    return f"{cls.__module__}:{cls.__qualname__}"


def module_roots(obj: Any) -> set[str]:
    """The top-level packages of every class in ``obj``'s MRO (cheap framework detection)."""
    cls = obj if isinstance(obj, type) else type(obj)
    return {c.__module__.split(".")[0] for c in cls.__mro__}


def import_class(path: str, *, base: type | None = None, allowed_roots: Sequence[str] = ()) -> Any:
    """Import ``module:qualname``, refusing modules outside ``allowed_roots`` (if given) and
    classes that do not subclass ``base`` (if given)."""
    from cairn.flavors.pickle_policy import denial

    module, _, qualname = path.partition(":")
    if not module or not qualname:
        raise FlavorError(f"bad class path {path!r}", "expected module:QualName")
    if allowed_roots and module.split(".")[0] not in allowed_roots:
        raise FlavorError(
            f"{path} is not a class of {', '.join(allowed_roots)}", "the metadata looks tampered"
        )
    reason = denial(module, qualname)
    if reason is not None:
        raise FlavorError(f"refusing to import {path}: it {reason}", "the metadata looks tampered")
    try:
        obj: Any = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise FlavorError(
            f"cannot import {path} ({exc})",
            "install the package that defines it, or log the model with code_paths=[...]",
        ) from exc
    if base is not None and not (isinstance(obj, type) and issubclass(obj, base)):
        raise FlavorError(f"{path} is not a {base.__name__}", "the metadata looks tampered")
    return obj


def inside(root: Path, name: str) -> Path:
    """``root / name`` for a relative ``name`` that stays inside ``root`` (metadata names the
    files; a tampered name must not reach outside the version's checkout)."""
    from cairn.errors import InvalidPath

    candidate = Path(name)
    resolved_root = Path(root).resolve()
    target = (resolved_root / candidate).resolve()
    if candidate.is_absolute() or ".." in candidate.parts or resolved_root not in target.parents:
        raise InvalidPath(f"the metadata names a file outside the model: {name!r}")
    return target


def check_json(value: Any, what: str) -> Any:
    """``value`` if it survives a JSON round trip unchanged, else :class:`FlavorError`."""
    try:
        if json.loads(json.dumps(value)) == value:
            return value
    except (TypeError, ValueError):
        pass
    raise FlavorError(f"{what} must be JSON (str, int, float, bool, list, dict)", f"fix {what}")


def require(module: str, extra: str) -> Any:
    """Import a framework or raise a :class:`FlavorError` that says which extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise FlavorError(
            f"{module} is not installed ({exc})", f"pip install 'cairn[{extra}]'"
        ) from exc
