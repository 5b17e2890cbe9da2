"""Commands on models and versions: init, log, models, versions, show, get, search, diff, ..."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cairn.cli.main import open_registry_from
from cairn.cli.output import console, human_bytes, print_json, print_table, progress_bar, when
from cairn.cli.parsing import parse_metric, parse_pairs, parse_param

if TYPE_CHECKING:
    from cairn.catalog.records import Page, VersionRecord

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
LimitOpt = Annotated[int, typer.Option("--limit", "-n", help="Rows per page.")]
PageOpt = Annotated[
    str | None, typer.Option("--page-token", help="Continue a listing where it stopped.")
]


def init(
    path: Annotated[Path | None, typer.Argument(help="Folder for the registry.")] = None,
) -> None:
    """Create a registry (SQLite catalog + local store) in a folder."""
    from cairn.registry import open_registry
    from cairn.settings import load

    target = path or Path(load().default_registry)
    reg = open_registry(target)
    reg.close()
    console.print(f"registry ready at {target.expanduser()}")


def log(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to snapshot.")],
    model: Annotated[str, typer.Option("--model", "-M", help="Model name.")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="k=v")] = None,
    metric: Annotated[list[str] | None, typer.Option("--metric", help="k=number")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="k=v")] = None,
    parent: Annotated[list[str] | None, typer.Option("--parent", help="REF of a parent")] = None,
    dataset: Annotated[list[str] | None, typer.Option("--dataset", help="NAME=URI")] = None,
    message: Annotated[str, typer.Option("--message", "-m", help="Description.")] = "",
    unique: Annotated[
        bool, typer.Option("--unique", help="Fail if these bytes are already a version.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Log files or folders as the next version of a model."""
    reg = open_registry_from(ctx)
    total = sum(_size(p) for p in paths)
    with progress_bar(f"logging {model}", total) as advance:
        v = reg.log(
            paths[0] if len(paths) == 1 else paths,  # one folder: its contents, not its name
            model=model,
            params=dict(parse_param(p) for p in param or []),
            metrics=dict(parse_metric(m) for m in metric or []),
            tags=parse_pairs(tag or [], "--tag"),
            description=message,
            parents=parent or [],
            datasets=dataset or [],
            unique=unique,
            progress=advance,
        )
    dups = reg.duplicates(v)
    if json_out:
        print_json({"version": v, "duplicate_of": [d.ref for d in dups]})
        return
    console.print(
        f"logged [bold]{v.ref}[/] {v.digest[:19]}… ({v.file_count} files, {human_bytes(v.size)})"
    )
    if dups:
        console.print(f"same bytes as {', '.join(d.ref for d in dups)}: storage reused")


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def models(
    ctx: typer.Context,
    filter: Annotated[str | None, typer.Argument(help="Filter, e.g. 'tags.team = \"x\"'.")] = None,
    limit: LimitOpt = 50,
    page_token: PageOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List models."""
    page = open_registry_from(ctx).models(filter, limit=limit, page_token=page_token)
    if json_out:
        print_json(page)
        return
    rows = [
        (
            m.name,
            m.latest_version or "",
            " ".join(f"{a}→{n}" for a, n in sorted(m.aliases.items())),
            m.owner or "",
            m.description,
            when(m.updated),
        )
        for m in page.items
    ]
    print_table(["model", "latest", "aliases", "owner", "description", "updated"], rows)
    _more(page)


def _more(page: Page[Any]) -> None:
    if page.next_token:
        console.print(f"more: --page-token {page.next_token}")


def _version_rows(items: list[VersionRecord]) -> list[tuple[Any, ...]]:
    return [
        (
            v.ref,
            v.digest[7:19],
            ",".join(v.aliases),
            v.status,
            " ".join(f"{k}={val:g}" for k, val in sorted(v.metrics.items())[:4]),
            v.author,
            when(v.created),
        )
        for v in items
    ]


_VERSION_COLUMNS = ["version", "digest", "aliases", "status", "metrics", "author", "created"]


def versions(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="Model name.")],
    filter: Annotated[str | None, typer.Option("--filter", "-f", help="Search expression.")] = None,
    order_by: Annotated[
        str | None, typer.Option("--order-by", help="e.g. 'metrics.auc desc'")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include deleted versions.")] = False,
    limit: LimitOpt = 50,
    page_token: PageOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List the versions of a model, newest first."""
    page = open_registry_from(ctx).versions(
        model,
        filter=filter,
        order_by=order_by,
        limit=limit,
        page_token=page_token,
        include_deleted=all_,
    )
    if json_out:
        print_json(page)
        return
    print_table(_VERSION_COLUMNS, _version_rows(page.items))
    _more(page)


def search(
    ctx: typer.Context,
    expr: Annotated[
        str | None, typer.Argument(help="e.g. 'metrics.auc > 0.9 and tags.team = \"fraud\"'")
    ] = None,
    order_by: Annotated[
        str | None, typer.Option("--order-by", help="e.g. 'metrics.auc desc'")
    ] = None,
    limit: LimitOpt = 50,
    page_token: PageOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Search versions across all models (see docs/search.md for the language)."""
    page = open_registry_from(ctx).search(
        expr, order_by=order_by, limit=limit, page_token=page_token
    )
    if json_out:
        print_json(page)
        return
    print_table(_VERSION_COLUMNS, _version_rows(page.items))
    _more(page)


def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="name@alias, name/3, name/latest or name:digest")],
    json_out: JsonOpt = False,
) -> None:
    """Show one version: metadata, lineage, files, flavor and environment."""
    reg = open_registry_from(ctx)
    v = reg.resolve(ref)
    if json_out:
        print_json(v)
        return
    from cairn.cli.describe import describe_version

    describe_version(v)


def get(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Version to check out.")],
    dest: Annotated[Path, typer.Argument(help="Destination folder (must not exist).")],
) -> None:
    """Check a version's files out into a folder (verified, atomic)."""
    reg = open_registry_from(ctx)
    v = reg.resolve(ref)
    with progress_bar(f"checking out {v.ref}", v.size) as advance:
        reg.get(v.ref, dest, progress=advance)
    console.print(f"{v.ref} → {dest} ({v.file_count} files, {human_bytes(v.size)})")


def diff(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(help="Old version.")],
    b: Annotated[str, typer.Argument(help="New version.")],
    json_out: JsonOpt = False,
) -> None:
    """What changed between two versions: params, metrics, tags, lineage and files."""
    d = open_registry_from(ctx).diff(a, b)
    if json_out:
        print_json(d)
        return
    from cairn.cli.describe import describe_diff

    describe_diff(d)


def compare(
    ctx: typer.Context,
    refs: Annotated[list[str], typer.Argument(help="Versions to compare.")],
    json_out: JsonOpt = False,
) -> None:
    """Metrics and params of several versions side by side."""
    c = open_registry_from(ctx).compare(refs)
    if json_out:
        print_json(c)
        return
    columns = ["version", *(f"m.{k}" for k in c.metrics), *(f"p.{k}" for k in c.params)]
    rows = [
        [
            row["ref"],
            *(row[f"metrics.{k}"] for k in c.metrics),
            *(row[f"params.{k}"] for k in c.params),
        ]
        for row in c.rows
    ]
    print_table(columns, rows)


def _status_command(action: str, verb: str) -> Any:
    def command(
        ctx: typer.Context,
        ref: Annotated[str, typer.Argument(help="Version.")],
        json_out: JsonOpt = False,
    ) -> None:
        v = getattr(open_registry_from(ctx), action)(ref)
        if json_out:
            print_json(v)
        else:
            console.print(f"{v.ref} {verb}")

    command.__name__ = action
    return command


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(log)
    app.command()(models)
    app.command()(versions)
    app.command()(show)
    app.command()(get)
    app.command()(search)
    app.command()(diff)
    app.command()(compare)
    app.command("archive", help="Archive a version (kept, hidden from 'latest').")(
        _status_command("archive", "archived")
    )
    app.command("restore", help="Bring an archived or deleted (within grace) version back.")(
        _status_command("restore", "restored")
    )
    app.command(
        "delete", help="Delete a version; its bytes go at the first gc after the grace period."
    )(_status_command("delete", "deleted (bytes go at gc after the grace period)"))
