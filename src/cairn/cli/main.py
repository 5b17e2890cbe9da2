"""The ``cairn`` command: global options, error handling, and the command groups.

Errors print as one line that says what to do and exit with the error's code
(``docs/cli.md`` lists them); ``--debug`` shows the traceback instead. Heavy modules are
imported inside commands so ``cairn --help`` starts fast.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cairn.errors import CairnError

if TYPE_CHECKING:
    from cairn.registry import Registry
    from cairn.remote import RemoteRegistry

__all__ = ["State", "app", "open_registry_from", "run"]

app = typer.Typer(
    name="cairn",
    help="Git for ML models: version, compare, promote, roll back and serve models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # plain click help: `cairn --help` does not import rich's renderer
    context_settings={"help_option_names": ["-h", "--help"]},
)


@dataclass
class State:
    """What the global options set, shared by every command through ``ctx.obj``."""

    registry_uri: str | None = None
    debug: bool = False
    _registry: Any = field(default=None, repr=False)

    def registry(self) -> Registry | RemoteRegistry:
        if self._registry is None:
            from cairn.registry import open_registry

            self._registry = open_registry(self.registry_uri)
        registry: Registry | RemoteRegistry = self._registry
        return registry

    def close(self) -> None:
        if self._registry is not None:
            self._registry.close()
            self._registry = None


def open_registry_from(ctx: typer.Context) -> Registry | RemoteRegistry:
    state: State = ctx.ensure_object(State)
    return state.registry()


def _version(value: bool) -> None:
    if value:
        from cairn import __version__

        typer.echo(f"cairn {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    registry: Annotated[
        str | None,
        typer.Option(
            "--registry",
            "-r",
            envvar="CAIRN_REGISTRY",
            help="Registry to use: a folder, a database URL or http(s)://server. "
            "Default: $CAIRN_HOME or ~/.cairn.",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    state = ctx.ensure_object(State)
    state.registry_uri = registry
    state.debug = debug
    ctx.call_on_close(state.close)


# Command modules owned by other parts of cairn; each defines ``register(app)``.
_COMMAND_MODULES = (
    "versions",
    "aliases",
    "maintenance",
    "demo",
    "model_commands",
    "server_commands",
    "serve_commands",
)


def _register_commands() -> None:
    import importlib
    import importlib.util

    for name in _COMMAND_MODULES:
        if importlib.util.find_spec(f"cairn.cli.{name}") is not None:
            importlib.import_module(f"cairn.cli.{name}").register(app)


_register_commands()


def run() -> None:
    """Console-script entry point: run the app, turn cairn errors into one line + exit code."""
    debug = "--debug" in sys.argv or bool(os.environ.get("CAIRN_DEBUG"))
    try:
        app()
    except CairnError as error:
        if debug:
            raise
        from rich.markup import escape

        from cairn.cli.output import err_console

        err_console.print(f"[bold red]error:[/] {escape(str(error))}", soft_wrap=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
