"""Commands that look after a registry: fsck, gc, audit, push and pull."""

from __future__ import annotations

from typing import Annotated

import typer

from cairn.cli.main import open_registry_from
from cairn.cli.output import console, human_bytes, print_json, print_table, progress_bar, when

__all__ = ["register"]

audit_app = typer.Typer(
    help="The tamper-evident log of every change.", no_args_is_help=True, rich_markup_mode=None
)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def fsck(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Re-hash every chunk and manifest; name what is damaged (exit 6 if anything is)."""
    reg = open_registry_from(ctx)
    with progress_bar("checking", None) as advance:
        check = reg.fsck(progress=advance)
    if json_out:
        print_json(
            {"ok": check.ok, "store": check.store, "missing_artifacts": check.missing_artifacts}
        )
    else:
        for line in check.store.summary():
            console.print(line)
        for digest in check.missing_artifacts:
            console.print(f"[red]missing artifact[/] {digest}")
        console.print("[green]ok[/]" if check.ok else "[red]damaged[/]: see above")
    if not check.ok:
        raise typer.Exit(6)


def gc(
    ctx: typer.Context,
    grace: Annotated[
        float | None,
        typer.Option(
            "--grace", help="Seconds a deleted version is kept (default CAIRN_DELETE_GRACE)."
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would go.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Purge versions deleted past the grace period and drop bytes nothing references."""
    report = open_registry_from(ctx).gc(grace=grace, dry_run=dry_run)
    if json_out:
        print_json(report)
        return
    for line in report.summary():
        console.print(line)


@audit_app.command("log")
def audit_log(
    ctx: typer.Context,
    after: Annotated[int, typer.Option("--after", help="Start after this sequence number.")] = 0,
    limit: Annotated[int, typer.Option("--limit", "-n")] = 100,
    subject: Annotated[str | None, typer.Option("--subject", help="e.g. fraud or fraud/3")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Show recorded events, oldest first."""
    events = open_registry_from(ctx).events(after=after, limit=limit, subject=subject)
    if json_out:
        print_json(events)
        return
    rows = [(e.seq, when(e.time), e.actor, e.action, e.subject, e.hash[:12]) for e in events]
    print_table(["seq", "time", "actor", "action", "subject", "hash"], rows)


@audit_app.command("verify")
def audit_verify(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Recompute the hash chain; name the first entry that does not match (exit 6)."""
    report = open_registry_from(ctx).verify_audit()
    if json_out:
        print_json(report)
    elif report.ok:
        console.print(f"[green]ok[/]: {report.checked} events, chain intact")
    else:
        console.print(f"[red]broken[/] at event {report.first_bad_seq}: {report.reason}")
    if not report.ok:
        raise typer.Exit(6)


def push(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Version to send.")],
    to: Annotated[str, typer.Option("--to", help="Target registry URI.")],
    json_out: JsonOpt = False,
) -> None:
    """Copy a version into another registry; only chunks it lacks are sent."""
    from cairn.registry import open_registry

    reg = open_registry_from(ctx)
    v = reg.resolve(ref)
    with open_registry(to) as target, progress_bar(f"pushing {v.ref}", v.size) as advance:
        copied, stats = reg.push(ref, target, progress=advance)
    _report_transfer(v.ref, copied.ref, to, stats, json_out)


def pull(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Version to fetch.")],
    source: Annotated[str, typer.Option("--from", help="Source registry URI.")],
    json_out: JsonOpt = False,
) -> None:
    """Copy a version from another registry into this one; only missing chunks move."""
    from cairn.registry import open_registry

    reg = open_registry_from(ctx)
    with open_registry(source) as origin, progress_bar(f"pulling {ref}", None) as advance:
        copied, stats = reg.pull(ref, origin, progress=advance)
    _report_transfer(ref, copied.ref, "here", stats, json_out)


def _report_transfer(src: str, dst: str, where: str, stats: object, json_out: bool) -> None:
    if json_out:
        print_json({"from": src, "to": dst, "stats": stats})
        return
    sent = getattr(stats, "bytes_sent", 0)
    skipped = getattr(stats, "bytes_skipped", 0)
    console.print(
        f"{src} → {dst} ({where}): sent {human_bytes(sent)}, "
        f"skipped {human_bytes(skipped)} already there"
    )


def register(app: typer.Typer) -> None:
    app.command()(fsck)
    app.command()(gc)
    app.add_typer(audit_app, name="audit")
    app.command()(push)
    app.command()(pull)
