"""Diff of two versions and comparison of many: what changed, and by how much."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cairn.catalog.records import VersionRecord
from cairn.store import Snapshot

__all__ = [
    "Change",
    "Comparison",
    "FileChange",
    "VersionDiff",
    "compare_versions",
    "diff_versions",
]


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True)


class Change(_Value):
    """One key that differs; ``old`` None means added, ``new`` None means removed."""

    key: str
    old: Any = None
    new: Any = None
    delta: float | None = None


class FileChange(_Value):
    path: str
    change: str  # "added" | "removed" | "changed"
    old_size: int | None = None
    new_size: int | None = None


class VersionDiff(_Value):
    a: str
    b: str
    fields: list[Change] = Field(default_factory=list)
    params: list[Change] = Field(default_factory=list)
    metrics: list[Change] = Field(default_factory=list)
    tags: list[Change] = Field(default_factory=list)
    lineage: list[Change] = Field(default_factory=list)
    files: list[FileChange] = Field(default_factory=list)
    unchanged_files: int = 0
    new_bytes: int = 0
    size_b: int = 0

    @property
    def same_artifact(self) -> bool:
        return not self.files


class Comparison(_Value):
    """Versions as rows, metrics and params as columns."""

    refs: list[str]
    metrics: list[str]
    params: list[str]
    rows: list[dict[str, Any]]


def _changes(old: Mapping[str, Any], new: Mapping[str, Any], *, numeric: bool) -> list[Change]:
    out = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        delta = None
        if numeric and isinstance(a, int | float) and isinstance(b, int | float):
            delta = float(b) - float(a)
        out.append(Change(key=key, old=a, new=b, delta=delta))
    return out


def _lineage(a: VersionRecord, b: VersionRecord) -> list[Change]:
    old_parents = {str(p) for p in a.parents}
    new_parents = {str(p) for p in b.parents}
    parents = [
        Change(
            key="parent", old=p if p in old_parents else None, new=p if p in new_parents else None
        )
        for p in sorted(old_parents ^ new_parents)
    ]
    datasets = _changes(
        {d.name: d.digest or d.uri for d in a.datasets},
        {d.name: d.digest or d.uri for d in b.datasets},
        numeric=False,
    )
    return parents + [Change(key=f"dataset {c.key}", old=c.old, new=c.new) for c in datasets]


def _files(sa: Snapshot, sb: Snapshot) -> tuple[list[FileChange], int]:
    old = {f.path: f for f in sa.files}
    new = {f.path: f for f in sb.files}
    changes: list[FileChange] = []
    same = 0
    for path in sorted(old.keys() | new.keys()):
        fa, fb = old.get(path), new.get(path)
        if fa is None and fb is not None:
            changes.append(FileChange(path=path, change="added", new_size=fb.size))
        elif fb is None and fa is not None:
            changes.append(FileChange(path=path, change="removed", old_size=fa.size))
        elif fa is not None and fb is not None:
            if fa.digest == fb.digest:
                same += 1
            else:
                changes.append(
                    FileChange(path=path, change="changed", old_size=fa.size, new_size=fb.size)
                )
    return changes, same


def diff_versions(
    a: VersionRecord,
    b: VersionRecord,
    sa: Snapshot,
    sb: Snapshot,
    *,
    new_bytes: Callable[[Snapshot | None, Snapshot], int],
) -> VersionDiff:
    files, same = _files(sa, sb)
    fields = _changes(
        {"flavor": a.flavor, "status": a.status, "digest": a.digest, "author": a.author},
        {"flavor": b.flavor, "status": b.status, "digest": b.digest, "author": b.author},
        numeric=False,
    )
    return VersionDiff(
        a=a.ref,
        b=b.ref,
        fields=fields,
        params=_changes(a.params, b.params, numeric=True),
        metrics=_changes(a.metrics, b.metrics, numeric=True),
        tags=_changes(a.tags, b.tags, numeric=False),
        lineage=_lineage(a, b),
        files=files,
        unchanged_files=same,
        new_bytes=new_bytes(sa, sb),
        size_b=sb.size,
    )


def compare_versions(versions: Sequence[VersionRecord]) -> Comparison:
    metrics = sorted({k for v in versions for k in v.metrics})
    params = sorted({k for v in versions for k in v.params})
    rows = [
        {
            "ref": v.ref,
            "created": v.created.isoformat(),
            "aliases": ",".join(v.aliases),
            **{f"metrics.{k}": v.metrics.get(k) for k in metrics},
            **{f"params.{k}": v.params.get(k) for k in params},
        }
        for v in versions
    ]
    return Comparison(refs=[v.ref for v in versions], metrics=metrics, params=params, rows=rows)
