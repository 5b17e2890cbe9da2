"""How the running environment differs from the one a version was logged in.

Only packages that matter are compared: the flavor's requirements (``meta["requirements"]``,
pinned at log time) and their dependencies as recorded then. Environment markers are evaluated
here, so a requirement or dependency that does not apply to this platform or Python is
reported as "not needed here" instead of "missing". The verdict is one of

* ``match``: every required package and dependency is at the recorded version;
* ``compatible``: the required packages match; some dependencies (or the Python patch
  release) differ;
* ``mismatch``: a required package is missing or at another version, a needed dependency is
  missing, or (for pickle-based models) the Python minor version differs.
"""

from __future__ import annotations

import platform
import warnings
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from cairn.environment.capture import canonical, dependency_closure, installed_version
from cairn.errors import EnvironmentMismatch

__all__ = [
    "EnvironmentDiff",
    "EnvironmentWarning",
    "PackageDiff",
    "check_environment",
    "diff_environment",
]

Status = Literal["same", "changed", "missing", "not-needed"]
Verdict = Literal["match", "compatible", "mismatch"]


class EnvironmentWarning(UserWarning):
    """Loading a model in an environment whose required packages differ from the recorded."""


@dataclass
class PackageDiff:
    name: str
    recorded: str | None
    current: str | None
    required: bool
    status: Status
    requirement: str | None = None


@dataclass
class EnvironmentDiff:
    verdict: Verdict
    python_recorded: str | None
    python_current: str
    packages: list[PackageDiff] = field(default_factory=list)
    python_matters: bool = False

    @property
    def problems(self) -> list[PackageDiff]:
        return [
            p
            for p in self.packages
            if p.status == "missing" or (p.required and p.status == "changed")
        ]

    @property
    def fix(self) -> str | None:
        pins = [f"{p.name}=={p.recorded}" for p in self.problems if p.recorded]
        return "pip install " + " ".join(f"'{p}'" for p in pins) if pins else None

    def summary(self) -> str:
        if self.verdict == "match":
            return "match: every required package is at the recorded version"
        changed = [p for p in self.packages if p.status in ("changed", "missing")]
        if self.verdict == "compatible":
            what = ", ".join(f"{p.name} {p.recorded} -> {p.current}" for p in changed)
            parts = [what] if what else []
            if self.python_recorded and self.python_recorded != self.python_current:
                parts.append(f"python {self.python_recorded} -> {self.python_current}")
            return "compatible: required packages match; differs: " + "; ".join(parts)
        what = ", ".join(
            f"{p.name} {p.recorded or '?'} recorded, {p.current or 'not installed'} here"
            for p in self.problems
        )
        if self.python_matters and _minor(self.python_recorded) != _minor(self.python_current):
            py = f"python {self.python_recorded} recorded, {self.python_current} here"
            what = f"{what}, {py}" if what else py
        return f"mismatch: {what}" + (f"; fix: {self.fix}" if self.fix else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "summary": self.summary(),
            "fix": self.fix,
            "python": {"recorded": self.python_recorded, "current": self.python_current},
            "packages": [asdict(p) for p in self.packages],
        }


def _minor(version: str | None) -> str | None:
    return ".".join(version.split(".")[:2]) if version else None


def _pinned(spec: Any) -> str | None:
    for item in spec:
        if item.operator in ("==", "==="):
            return str(item.version)
    return None


def _split(meta: Mapping[str, Any]) -> tuple[Mapping[str, Any], list[str], bool]:
    env = meta.get("environment", meta)
    requirements = list(meta.get("requirements") or env.get("requirements") or [])
    pickled = meta.get("safety", {}).get("safe") is False and meta.get("flavor") == "pickle"
    return env, requirements, pickled


def diff_environment(
    recorded: Mapping[str, Any],
    current: Mapping[str, Any] | None = None,
    *,
    dependencies: bool = True,
) -> EnvironmentDiff:
    """Compare a version's recorded environment (its ``meta`` or ``meta["environment"]``) with
    ``current`` (default: this process; a dict like :func:`capture_environment`'s otherwise)."""
    from packaging.markers import default_environment
    from packaging.requirements import InvalidRequirement, Requirement

    env, requirements, pickled = _split(recorded)
    if current is None:
        lookup: Callable[[str], str | None] = installed_version
        python = platform.python_version()
        markers: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    else:
        packages = {canonical(k): v for k, v in current.get("packages", {}).items()}

        def lookup_given(name: str) -> str | None:
            return packages.get(canonical(name))

        lookup = lookup_given
        python = str(current.get("python", platform.python_version()))
        markers = {k: str(v) for k, v in default_environment().items()}
        markers.update(current.get("markers", {}))
    markers["extra"] = ""

    out: list[PackageDiff] = []
    needed_roots: list[str] = []
    for line in requirements:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        name = canonical(req.name)
        recorded_version = _pinned(req.specifier)
        if req.marker is not None and not req.marker.evaluate(markers):
            out.append(PackageDiff(name, recorded_version, None, True, "not-needed", line))
            continue
        needed_roots.append(name)
        have = lookup(name)
        if have is None:
            status: Status = "missing"
        elif req.specifier and not req.specifier.contains(have, prereleases=True):
            status = "changed"
        else:
            status = "same"
        out.append(PackageDiff(name, recorded_version, have, True, status, line))

    if dependencies:
        deps = {canonical(k): v for k, v in env.get("dependencies", {}).items()}
        here = (
            dependency_closure(needed_roots)
            if current is None
            else {canonical(k): v for k, v in current.get("dependencies", deps).items()}
        )
        for name, version in sorted(deps.items()):
            if name in needed_roots:
                continue
            have = lookup(name)
            if have is None:
                status = "missing" if name in here else "not-needed"
            else:
                status = "same" if have == version else "changed"
            out.append(PackageDiff(name, version, have, False, status))

    rec_python = env.get("python")
    python_bad = pickled and rec_python is not None and _minor(rec_python) != _minor(python)
    problems = [p for p in out if p.status == "missing" or (p.required and p.status == "changed")]
    if problems or python_bad:
        verdict: Verdict = "mismatch"
    elif any(p.status == "changed" for p in out) or (rec_python and rec_python != python):
        verdict = "compatible"
    else:
        verdict = "match"
    return EnvironmentDiff(verdict, rec_python, python, out, python_matters=pickled)


_warned: set[str] = set()


def check_environment(meta: Mapping[str, Any], *, strict: bool = False) -> EnvironmentDiff:
    """The load-time check: required packages only (fast). A mismatch warns once per distinct
    problem with the fix, or raises :class:`EnvironmentMismatch` when ``strict``."""
    diff = diff_environment(meta, dependencies=False)
    if diff.verdict != "mismatch":
        return diff
    message = diff.summary()
    if strict:
        raise EnvironmentMismatch(
            message.split("; fix:")[0],
            f"run: {diff.fix}" if diff.fix else "install the recorded versions (cairn env diff)",
        )
    if message not in _warned:
        _warned.add(message)
        warnings.warn(f"cairn: {message}", EnvironmentWarning, stacklevel=3)
    return diff
