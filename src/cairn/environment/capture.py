"""What the environment that logs a version looks like.

``capture_environment(["scikit-learn", "skops"])`` returns plain JSON::

    {"python": "3.11.7", "implementation": "CPython",
     "platform": {"system": "Linux", "release": "...", "machine": "x86_64", "libc": "glibc 2.36"},
     "cpu": {"count": 2, "model": "...", "features": ["avx2", ...]},
     "gpu": null,  # or {"name": ..., "count": ..., "cuda": ...} when torch sees one
     "packages": {"numpy": "2.4.6", ...},           # every installed distribution
     "requirements": ["scikit-learn==1.9.1", ...],   # what the flavor needs, pinned
     "dependencies": {"scipy": "1.16.0", ...}}       # what those need here (marker-aware)
"""

from __future__ import annotations

import os
import platform
import re
import sys
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = [
    "canonical",
    "capture_environment",
    "dependency_closure",
    "installed_version",
    "installed_versions",
    "pin_requirements",
]

_CPU_FEATURES = (
    "sse4_2",
    "avx",
    "avx2",
    "fma",
    "avx512f",
    "avx512_bf16",
    "amx_tile",
    "neon",
    "asimd",
)


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _site_fingerprint() -> tuple[tuple[str, int], ...]:
    """When an import path entry changes (a package installed or removed), so does this."""
    stamps = []
    for entry in sys.path:
        if entry.endswith(("site-packages", "dist-packages")):  # where distributions live
            try:
                stamps.append((entry, Path(entry).stat().st_mtime_ns))
            except OSError:
                continue
    return tuple(stamps)


_site_seen: tuple[tuple[str, int], ...] | None = None


def _fresh_caches() -> None:
    """Drop what was read of installed packages if the import paths changed since."""
    global _site_seen
    now = _site_fingerprint()
    if now != _site_seen:
        _site_seen = now
        _installed_versions.cache_clear()
        installed_version.cache_clear()
        _dependency_closure.cache_clear()


def installed_versions() -> dict[str, str]:
    """Every installed distribution: canonical name -> version (read once per install state:
    parsing every distribution's metadata costs ~0.3 s, and logging a model must be fast)."""
    _fresh_caches()
    return dict(_installed_versions())


@lru_cache(maxsize=1)
def _installed_versions() -> dict[str, str]:
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name and canonical(name) not in found:
            found[canonical(name)] = dist.version
    return dict(sorted(found.items()))


@lru_cache(maxsize=512)
def installed_version(name: str) -> str | None:
    """The installed version of one distribution, or None (cached for the process)."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _requires(name: str) -> list[str]:
    try:
        return list(metadata.requires(name) or [])
    except metadata.PackageNotFoundError:
        return []


def dependency_closure(names: Iterable[str]) -> dict[str, str]:
    """The installed dependencies of ``names`` (transitively, without them), evaluating each
    requirement's environment marker here, extras excluded: canonical name -> version."""
    _fresh_caches()
    return dict(_dependency_closure(frozenset(canonical(n) for n in names)))


@lru_cache(maxsize=64)
def _dependency_closure(roots: frozenset[str]) -> dict[str, str]:
    from packaging.requirements import InvalidRequirement, Requirement

    seen: dict[str, str] = {}
    todo = list(roots)
    while todo:
        current = todo.pop()
        for line in _requires(current):
            try:
                req = Requirement(line)
            except InvalidRequirement:
                continue
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            dep = canonical(req.name)
            version = installed_version(dep)
            if dep in roots or dep in seen or version is None:
                continue
            seen[dep] = version
            todo.append(dep)
    return dict(sorted(seen.items()))


def pin_requirements(names: Iterable[str]) -> list[str]:
    """``name==version`` for each installed distribution in ``names`` (unpinned if missing)."""
    _fresh_caches()
    pins = []
    for name in dict.fromkeys(names):
        version = installed_version(name)
        pins.append(f"{name}=={version}" if version else name)
    return pins


@lru_cache(maxsize=1)
def _libc() -> str | None:
    libc_name, libc_version = platform.libc_ver()
    return f"{libc_name} {libc_version}".strip() or None


@lru_cache(maxsize=1)
def _cpu() -> dict[str, Any]:
    info: dict[str, Any] = {"count": os.cpu_count(), "model": platform.processor() or None}
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        try:
            text = cpuinfo.read_text(errors="replace")
        except OSError:
            text = ""
        model = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
        flags = re.search(r"^(?:flags|Features)\s*:\s*(.+)$", text, re.M)
        if model:
            info["model"] = model.group(1).strip()
        if flags:
            have = set(flags.group(1).split())
            info["features"] = [f for f in _CPU_FEATURES if f in have]
    return info


def _gpu() -> dict[str, Any] | None:
    """GPU facts from torch, only if torch is already imported (importing it costs seconds)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    try:
        if not torch.cuda.is_available():
            return None
        return {
            "name": torch.cuda.get_device_name(0),
            "count": torch.cuda.device_count(),
            "cuda": torch.version.cuda,
        }
    except Exception:
        return None


def capture_environment(requirements: Sequence[str] = ()) -> dict[str, Any]:
    """The running environment, with ``requirements`` (distribution names) pinned."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": {
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
            "libc": _libc(),
        },
        "cpu": dict(_cpu()),
        "gpu": _gpu(),
        "packages": installed_versions(),
        "requirements": pin_requirements(requirements),
        "dependencies": dependency_closure(requirements),
    }
