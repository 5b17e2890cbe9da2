"""Commands on aliases: set, rm, history, and rollback."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from cairn.cli.main import open_registry_from
from cairn.cli.output import console, print_json, print_table, when
from cairn.errors import InvalidInput

__all__ = ["register"]

alias_app = typer.Typer(
    help="Movable names (production, staging) with full history.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ReasonOpt = Annotated[str | None, typer.Option("--reason", "-m", help="Why (kept in history).")]
ExpectOpt = Annotated[
    str | None,
    typer.Option("--expect", help="Compare-and-set: the version you saw ('none': must not exist)."),
]


def _expected(value: str | None) -> object:
    from cairn.registry import ANY

    if value is None:
        return ANY
    if value.lower() == "none":
        return None
    if not value.isdigit():
        raise InvalidInput(f"--expect {value!r} is not a version number", "use a number or 'none'")
    return int(value)


@alias_app.command("set")
def set_alias(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Version to point at, e.g. fraud/3.")],
    alias: Annotated[str, typer.Argument(help="Alias name, e.g. production.")],
    reason: ReasonOpt = None,
    expect: ExpectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Point an alias at a version."""
    reg = open_registry_from(ctx)
    v = reg.resolve(ref)
    move = reg.set_alias(v.model, alias, v.number, expected=_expected(expect), reason=reason)
    if json_out:
        print_json(move)
        return
    before = f" (was {move.from_version})" if move.from_version else ""
    console.print(f"{v.model}@{alias} → {v.number}{before}")


@alias_app.command("rm")
def remove_alias(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="name@alias to remove.")],
    reason: ReasonOpt = None,
    expect: ExpectOpt = None,
) -> None:
    """Remove an alias (its history is kept)."""
    move = open_registry_from(ctx).delete_alias(ref, expected=_expected(expect), reason=reason)
    console.print(f"{move.model}@{move.alias} removed (was {move.from_version})")


@alias_app.command("history")
def history(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="name@alias.")],
    at: Annotated[
        datetime | None, typer.Option("--at", help="Only say what it pointed at, at this time.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Every move of an alias, newest first (or where it pointed at a given time)."""
    reg = open_registry_from(ctx)
    if at is not None:
        from datetime import UTC

        moment = at if at.tzinfo else at.replace(tzinfo=UTC)
        number = reg.alias_at(ref, moment)
        if json_out:
            print_json({"ref": ref, "at": moment, "version": number})
        else:
            console.print(f"{ref} at {moment.isoformat()}: {number if number else 'not set'}")
        return
    moves = reg.alias_history(ref)
    if json_out:
        print_json(moves)
        return
    rows = [
        (when(m.time), m.from_version or "-", m.to_version or "removed", m.actor, m.reason or "")
        for m in moves
    ]
    print_table(["time", "from", "to", "who", "why"], rows, title=ref)


def rollback(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="name@alias to move back.")],
    to: Annotated[str | None, typer.Option("--to", help="Version to go to instead.")] = None,
    reason: ReasonOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Move an alias back to the version it held before (or --to a given one)."""
    move = open_registry_from(ctx).rollback(ref, to=to, reason=reason)
    if json_out:
        print_json(move)
        return
    console.print(f"{move.model}@{move.alias}: {move.from_version} → {move.to_version}")


def register(app: typer.Typer) -> None:
    app.add_typer(alias_app, name="alias")
    app.command()(rollback)
