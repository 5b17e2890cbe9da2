"""The python-function flavor: your own class, its code files and its artifacts.

Subclass :class:`PythonModel` (or write any class with ``load(context)`` and
``predict(model_input)``), put it in a module file, and log it with ``code_paths=[that file]``
and ``artifacts={"weights": path}``. Nothing is pickled: cairn stores the class path, the JSON
constructor arguments (``init_kwargs=``), the code files and the artifacts; loading imports the
stored code, builds the class and calls ``load(context)`` with the artifacts' local paths.
Loading such a version runs its code: review the code like any other dependency.
"""

from __future__ import annotations

import importlib
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cairn.errors import FlavorError, InvalidInput
from cairn.flavors.base import (
    Flavor,
    SaveContext,
    SaveResult,
    check_json,
    class_path,
    import_class,
    inside,
)

__all__ = ["ModelContext", "PythonFunctionFlavor", "PythonModel", "activate_code", "copy_code"]

CODE_DIR = "code"
ARTIFACT_DIR = "artifacts"


@dataclass
class ModelContext:
    """What ``load(context)`` receives: where the version's files and artifacts are."""

    model_dir: Path
    artifacts: dict[str, Path] = field(default_factory=dict)


class PythonModel:
    """Base class for custom models: override :meth:`predict`, and :meth:`load` if needed."""

    def load(self, context: ModelContext) -> None:
        """Read artifacts (``context.artifacts["name"]``) before the first prediction."""

    def predict(self, model_input: Any) -> Any:
        raise NotImplementedError


def copy_code(code_paths: Sequence[Path], dest: Path) -> list[str]:
    """Copy code files or package folders into ``dest/code``; returns their names."""
    names: list[str] = []
    for raw in code_paths:
        src = Path(raw)
        if not src.exists():
            raise InvalidInput(f"code path {src} does not exist", "pass existing files or folders")
        target = dest / CODE_DIR / src.name
        if target.exists():
            raise InvalidInput(f"two code paths are named {src.name}", "rename one of them")
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(
                src, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"), symlinks=False
            )
        else:
            shutil.copy2(src, target)
        names.append(src.name)
    return sorted(names)


def activate_code(path: Path, module: str, code: Sequence[str]) -> None:
    """Make the version's stored code importable, and make ``module`` come from it."""
    if not code:
        return
    code_dir = str((path / CODE_DIR).resolve())
    if code_dir not in sys.path:
        sys.path.insert(0, code_dir)
    root = module.split(".")[0]
    stored = {Path(n).stem if n.endswith(".py") else n for n in code}
    loaded = sys.modules.get(root)
    if root in stored and loaded is not None:
        where = str(Path(getattr(loaded, "__file__", "") or "").resolve())
        if not where.startswith(code_dir):
            for name in [m for m in sys.modules if m == root or m.startswith(root + ".")]:
                del sys.modules[name]
    importlib.invalidate_caches()


def _module_of(obj: Any) -> str:
    module = type(obj).__module__
    if module == "__main__":
        raise FlavorError(
            f"{type(obj).__qualname__} is defined in __main__, "
            "which cannot be imported at load time",
            "move the class into a module file and pass code_paths=[that file]",
        )
    return module


class PythonFunctionFlavor(Flavor):
    name = "python_function"
    priority = 90

    def detect(self, obj: Any) -> bool:
        if isinstance(obj, PythonModel):
            return True
        return callable(getattr(obj, "predict", None)) and callable(getattr(obj, "load", None))

    def save(self, obj: Any, dest: Path, ctx: SaveContext) -> SaveResult:
        if isinstance(obj, type):
            raise FlavorError("pass an instance of the model class, not the class", "add ()")
        module = _module_of(obj)
        init_kwargs = check_json(ctx.options.pop("init_kwargs", {}), "init_kwargs")
        code = copy_code(ctx.code_paths, dest)
        artifacts: dict[str, str] = {}
        for name, raw in (ctx.artifacts or {}).items():
            src = Path(raw)
            if not src.exists():
                raise InvalidInput(
                    f"artifact {name!r}: {src} does not exist", "pass existing paths"
                )
            if "/" in name or name in ("", ".", ".."):
                raise InvalidInput(f"bad artifact name {name!r}", "use a plain name like 'weights'")
            target = dest / ARTIFACT_DIR / name / src.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, target, symlinks=False)
            else:
                shutil.copy2(src, target)
            artifacts[name] = f"{ARTIFACT_DIR}/{name}/{src.name}"
        meta = {
            "class": class_path(obj),
            "module": module,
            "init_kwargs": init_kwargs,
            "code": code,
            "artifacts": artifacts,
        }
        return SaveResult(
            format="python",
            flavor_meta=meta,
            requirements=[],
            scan={"runs_code": True, "code": code},
        )

    def load(self, path: Path, meta: Mapping[str, Any], trusted: Sequence[str]) -> Any:
        fmeta = meta.get("flavor_meta", {})
        activate_code(path, fmeta.get("module", ""), fmeta.get("code", []))
        cls = import_class(fmeta["class"])
        instance = cls(**fmeta.get("init_kwargs", {}))
        context = ModelContext(
            model_dir=path,
            artifacts={k: inside(path, v) for k, v in fmeta.get("artifacts", {}).items()},
        )
        loader = getattr(instance, "load", None)
        if callable(loader):
            loader(context)
        return instance

    def predict(self, raw: Any, data: Any, meta: Mapping[str, Any]) -> Any:
        return raw.predict(data)
