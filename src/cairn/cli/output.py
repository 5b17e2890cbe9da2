"""How the CLI talks: tables for listings, ``--json`` for scripts, progress bars for transfers."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = [
    "console",
    "err_console",
    "human_bytes",
    "print_json",
    "print_table",
    "progress_bar",
    "when",
]


def _width() -> int | None:
    """A terminal's own width; piped output (no terminal, no COLUMNS) gets 160 columns, so
    tables land in files and pagers whole instead of folded to 80."""
    if sys.stdout.isatty() or os.environ.get("COLUMNS"):
        return None
    return 160


console = Console(highlight=False, width=_width())
err_console = Console(stderr=True, highlight=False)


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "__dataclass_fields__"):
        import dataclasses

        return _plain(dataclasses.asdict(value))
    return value


def print_json(value: Any) -> None:
    """Machine-readable output: one JSON document on stdout."""
    sys.stdout.write(json.dumps(_plain(value), indent=2, default=str) + "\n")


# Columns a reader scans by stay on one line; a narrow terminal folds the others instead.
_KEY_COLUMNS = {
    "model",
    "version",
    "digest",
    "aliases",
    "status",
    "created",
    "updated",
    "time",
    "seq",
    "from",
    "to",
    "latest",
    "alias",
    "action",
    "subject",
}


def print_table(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str | None = None
) -> None:
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    table = Table(title=title, header_style="bold", show_lines=False)
    for name in columns:
        if name in _KEY_COLUMNS:
            table.add_column(name, no_wrap=True)
        else:
            table.add_column(name, overflow="fold")
    for row in cells:
        table.add_row(*row)
    console.print(table)


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Any]:
    """A Rich progress bar on stderr; yields ``advance(n_bytes)``. Quiet when not a terminal."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )
    with progress:
        task = progress.add_task(description, total=total)

        def advance(n: int) -> None:
            progress.update(task, advance=n)

        yield advance
