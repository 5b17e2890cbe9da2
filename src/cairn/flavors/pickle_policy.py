"""Which globals a pickle may import: the deny-list, the allow-list, and user trust.

* a deny-list that always wins (``os``, ``subprocess``, ``builtins.eval``, ``getattr``,
  ``importlib``, ...: anything that runs code or reaches other modules);
* an allow-list: plain containers, a few stdlib value types, and from the ML packages
  (scikit-learn, NumPy, SciPy, pandas, PyArrow, XGBoost, LightGBM, PyTorch) their classes and
  their reconstructor functions (``_reconstruct``, ``_unpickle_*``, ``__pyx_unpickle_*``, ...),
  checked by importing the named module of that package;
* ``trusted``: exact names (``mypkg.MyModel``) or prefixes (``mypkg.*``) the user vouches for.
"""

from __future__ import annotations

import importlib
import re
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["check_globals", "denial", "resolves_to_class"]

# Modules whose every name is dangerous: they run commands, load code or reach other modules.
_DENY_MODULES = {
    "os": "runs commands and touches files",
    "posix": "runs commands and touches files",
    "nt": "runs commands and touches files",
    "subprocess": "runs commands",
    "pty": "runs commands",
    "sys": "reaches the interpreter",
    "shutil": "touches files",
    "socket": "opens network connections",
    "importlib": "imports arbitrary modules (indirection)",
    "runpy": "runs code",
    "code": "runs code",
    "codeop": "compiles code",
    "ctypes": "calls native code",
    "pickle": "unpickles nested data",
    "_pickle": "unpickles nested data",
    "marshal": "loads code objects",
    "types": "builds functions and code objects",
    "cloudpickle": "rebuilds functions from bytecode",
    "dill": "rebuilds functions from bytecode",
    "inspect": "reaches frames and code",
    "multiprocessing": "starts processes",
    "signal": "changes process signals",
    "webbrowser": "opens programs",
    "pdb": "runs code",
    "timeit": "runs code",
    "tempfile": "touches files",
    "pathlib": "touches files",
    "io": "touches files",
    "_io": "touches files",
    "urllib": "opens network connections",
    "http": "opens network connections",
    "requests": "opens network connections",
    "asyncio": "runs code",
    "threading": "starts threads",
    "_thread": "starts threads",
    "functools": "wraps arbitrary callables (indirection)",
    "operator": "reaches attributes (indirection)",
    "joblib": "loads nested files",
}
_DENY_BUILTINS = {
    "eval": "runs code",
    "exec": "runs code",
    "compile": "compiles code",
    "open": "touches files",
    "getattr": "reaches any attribute (indirection)",
    "setattr": "changes any attribute",
    "delattr": "changes any attribute",
    "__import__": "imports arbitrary modules (indirection)",
    "globals": "reaches the interpreter",
    "locals": "reaches the interpreter",
    "vars": "reaches the interpreter",
    "input": "reads the terminal",
    "breakpoint": "runs the debugger",
    "help": "runs the pager",
    "exit": "stops the interpreter",
    "quit": "stops the interpreter",
    "print": "writes to the terminal",
    "memoryview": "reaches raw memory",
    "type": "builds classes",
    "super": "reaches other classes",
    "classmethod": "wraps callables",
    "staticmethod": "wraps callables",
    "property": "wraps callables",
    "map": "calls arbitrary callables (indirection)",
    "filter": "calls arbitrary callables (indirection)",
}
_SAFE_BUILTINS = {
    "int", "float", "complex", "str", "bytes", "bytearray", "list", "dict", "set",
    "frozenset", "tuple", "bool", "slice", "range", "object", "NotImplemented", "Ellipsis",
}  # fmt: skip
_SAFE_EXACT = {
    "copyreg._reconstructor",
    "_codecs.encode",
    "collections.OrderedDict",
    "collections.defaultdict",
    "collections.deque",
    "collections.Counter",
    "datetime.date",
    "datetime.datetime",
    "datetime.time",
    "datetime.timedelta",
    "datetime.timezone",
    "decimal.Decimal",
    "fractions.Fraction",
    "uuid.UUID",
    "joblib.numpy_pickle.NumpyArrayWrapper",
    "pyarrow.lib.py_buffer",
    "pyarrow.lib.type_for_alias",
}
# Packages whose classes and reconstructor functions are allowed (checked by importing them).
_ML_PACKAGES = {"sklearn", "numpy", "scipy", "pandas", "pyarrow", "xgboost", "lightgbm", "torch"}
_RECONSTRUCTOR = re.compile(
    r"^(_+pyx_unpickle\w*|_unpickle\w*|_new_\w*|_reconstruct\w*|_rebuild\w*|__\w+_ctor"
    r"|scalar|_frombuffer|_from_\w+|_restore\w*)$"
)


# -- the verdict on one global -------------------------------------------------------------


def _matches(name: str, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        if pattern.endswith(".*") and name.startswith(pattern[:-1]):
            return True
        if name == pattern:
            return True
    return False


def denial(module: str, name: str) -> str | None:
    """Why ``module.name`` may never be loaded, or None."""
    root = module.split(".")[0]
    if f"{module}.{name}" in _SAFE_EXACT:
        return None
    if module in ("builtins", "__builtin__"):
        if name in _DENY_BUILTINS:
            return _DENY_BUILTINS[name]
        return None if name in _SAFE_BUILTINS else "is not a plain value type"
    if root in _DENY_MODULES:
        return _DENY_MODULES[root]
    for part in (*module.split("."), *name.split(".")):
        if part in ("os", "subprocess", "system", "popen", "eval", "exec", "__import__"):
            return "reaches the operating system or runs code"
    return None


def _resolves_to_safe(module: str, name: str, *, classes_only: bool = False) -> bool:
    """True if ``module.name`` is a class, or a reconstructor, of an installed ML package."""
    if module.split(".")[0] not in _ML_PACKAGES:
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obj: Any = importlib.import_module(module)
        for part in name.split("."):
            obj = getattr(obj, part)
    except Exception:
        return False
    if isinstance(obj, type):
        return True
    leaf = name.split(".")[-1]
    return not classes_only and callable(obj) and bool(_RECONSTRUCTOR.match(leaf))


def resolves_to_class(module: str, name: str) -> bool:
    """True if ``module.name`` is a class of an installed ML package."""
    return _resolves_to_safe(module, name, classes_only=True)


def check_globals(
    names: Iterable[str], trusted: Sequence[str] = ()
) -> tuple[dict[str, str], list[str]]:
    """Judge dotted global names: ``(denied {name: reason}, unknown [name])``."""
    denied: dict[str, str] = {}
    unknown: list[str] = []
    for dotted in sorted(set(names)):
        module, _, name = dotted.partition(":") if ":" in dotted else dotted.rpartition(".")
        full = f"{module}.{name}"
        reason = denial(module, name)
        if reason is not None:
            denied[full] = reason
        elif (
            full in _SAFE_EXACT
            or module in ("builtins", "__builtin__")
            or _matches(full, trusted)
            or _resolves_to_safe(module, name)
        ):
            continue
        else:
            unknown.append(full)
    return denied, unknown
