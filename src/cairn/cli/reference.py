"""Generate ``docs/cli.md`` from the commands' own help: ``python -m cairn.cli.reference``."""

from __future__ import annotations

import sys
from typing import Any

import typer

from cairn.cli.main import app

__all__ = ["render"]

_EXIT_CODES = """\
## Exit codes

| code | meaning |
|---|---|
| 0 | success |
| 1 | an error with no more specific code (a model's framework failed, ...) |
| 2 | invalid input: a bad ref, option or path |
| 3 | not found: no such model, version or alias |
| 4 | conflict: an alias moved under you, the bytes already exist with `--unique`, a lock is held |
| 5 | refused by a policy or a safety check |
| 6 | damaged data: `fsck` or `audit verify` found a problem |
| 7 | authentication or permission |
| 8 | the remote registry could not be reached |
"""


# Typer may ship its own copy of click, so commands and parameters are read by duck typing.


def _is_option(param: Any) -> bool:
    return getattr(param, "param_type_name", "") == "option"


def _param_line(param: Any) -> str:
    if not _is_option(param):
        name = (param.name or "").upper()
        text = (getattr(param, "help", None) or "").replace("|", "\\|").replace("\n", " ")
        return f"| `{name}` | argument | {text} |"
    names = ", ".join(f"`{n}`" for n in [*param.opts, *param.secondary_opts])
    text = (param.help or "").replace("|", "\\|").replace("\n", " ")
    return f"| {names} | option | {text} |"


def _render_command(path: str, command: Any, out: list[str]) -> None:
    if hasattr(command, "commands"):
        if path != "cairn":
            out.append(f"## `{path}`\n\n{(command.help or '').strip()}\n")
        for name in sorted(command.commands):
            sub = command.commands[name]
            if not sub.hidden:
                _render_command(f"{path} {name}", sub, out)
        return
    usage = " ".join(command.collect_usage_pieces(typer.Context(command)))
    out.append(f"### `{path}`\n\n{(command.help or '').strip()}\n\n```\n{path} {usage}\n```\n")
    params = [p for p in command.params if not (_is_option(p) and p.hidden)]
    if params:
        out.append("| name | kind | help |\n|---|---|---|")
        out.extend(_param_line(p) for p in params)
        out.append("")


def render() -> str:
    root = typer.main.get_command(app)
    out = [
        "# CLI reference\n",
        "Generated from the commands' help by `python -m cairn.cli.reference > docs/cli.md`;",
        "a test fails when it is out of date.\n",
        "## Global options\n",
        "| name | kind | help |\n|---|---|---|",
        *(_param_line(p) for p in root.params if _is_option(p)),
        "",
        _EXIT_CODES,
        "## Commands\n",
    ]
    _render_command("cairn", root, out)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
