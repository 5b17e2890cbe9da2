"""Human-readable renderings of one version and of a diff."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from cairn.catalog.records import VersionRecord
from cairn.cli.output import console, human_bytes, when
from cairn.registry.comparison import Change, VersionDiff

__all__ = ["describe_diff", "describe_version"]


def _kv_table(title: str, items: dict[str, Any]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left", title_style="bold")
    table.add_column("key", style="cyan")
    table.add_column("value", overflow="fold")
    for key, value in items.items():
        table.add_row(key, escape(str(value)))
    return table


def _flavor_summary(meta: dict[str, Any]) -> dict[str, str]:
    if not meta.get("flavor"):
        return {}
    try:
        from cairn.flavors import describe
    except ImportError:
        return {"flavor": str(meta.get("flavor"))}
    return dict(describe(meta))


def describe_version(v: VersionRecord) -> None:
    facts: dict[str, Any] = {
        "version": v.ref,
        "digest": v.digest,
        "status": v.status,
        "aliases": ", ".join(v.aliases) or "-",
        "size": f"{human_bytes(v.size)} in {v.file_count} files",
        "author": v.author,
        "created": when(v.created),
    }
    if v.description:
        facts["description"] = v.description
    if v.git:
        facts["git"] = f"{v.git.commit[:12]} on {v.git.branch or '(detached)'}" + (
            " (dirty)" if v.git.dirty else ""
        )
    if v.parents:
        facts["parents"] = ", ".join(str(p) for p in v.parents)
    for d in v.datasets:
        facts[f"dataset {d.name}"] = f"{d.uri} {d.digest[:19] + '…' if d.digest else ''}".strip()
    facts.update(_flavor_summary(v.meta))
    console.print(_kv_table(v.ref, facts))
    for title, values in (("params", v.params), ("metrics", v.metrics), ("tags", v.tags)):
        if values:
            console.print(_kv_table(title, dict(sorted(values.items()))))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return escape(str(value))


def _change_rows(title: str, changes: list[Change]) -> None:
    if not changes:
        return
    table = Table(title=title, title_justify="left", title_style="bold")
    for column in ("key", "old", "new", "delta"):
        table.add_column(column)
    for c in changes:
        delta = "" if c.delta is None else f"{c.delta:+.6g}"
        table.add_row(escape(c.key), _cell(c.old), _cell(c.new), delta)
    console.print(table)


def describe_diff(d: VersionDiff) -> None:
    console.print(f"[bold]{d.a} → {d.b}[/]")
    for title, changes in (
        ("fields", d.fields),
        ("params", d.params),
        ("metrics", d.metrics),
        ("tags", d.tags),
        ("lineage", d.lineage),
    ):
        _change_rows(title, changes)
    if d.files:
        table = Table(title="files", title_justify="left", title_style="bold")
        for column in ("path", "change", "old size", "new size"):
            table.add_column(column)
        for f in d.files:
            table.add_row(
                escape(f.path),
                f.change,
                "" if f.old_size is None else human_bytes(f.old_size),
                "" if f.new_size is None else human_bytes(f.new_size),
            )
        console.print(table)
    console.print(
        f"{len(d.files)} files changed, {d.unchanged_files} unchanged; "
        f"{human_bytes(d.new_bytes)} of {human_bytes(d.size_b)} are new chunks"
    )
