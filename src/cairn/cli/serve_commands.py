"""``cairn serve REF [REF…]``: serve versions over HTTP, following their aliases.

The server itself lives in :mod:`cairn.serving`, which the CLI does not import (the faces are
independent): the options travel as JSON in ``CAIRN_SERVE_CONFIG`` and uvicorn builds the app
from the import string ``cairn.serving.app:create_app`` — in this process, or in each of
``--workers`` processes.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import Annotated

import typer

from cairn.cli.main import State
from cairn.errors import CairnError, InvalidInput

__all__ = ["register"]


class MissingDependency(CairnError):
    code = "missing_dependency"


CONFIG_ENV = "CAIRN_SERVE_CONFIG"  # read by cairn.serving.config
APP = "cairn.serving.app:create_app"
HTTP_PROTOCOL = "cairn.serving.transport:NoDelayProtocol"


def _check_batch(value: str | None) -> str | None:
    if value is None:
        return None
    parts = value.split(",")
    try:
        ok = len(parts) == 2 and int(parts[0]) >= 1 and float(parts[1]) >= 0
    except ValueError:
        ok = False
    if not ok:
        raise InvalidInput(f"--batch {value!r} is not max_size,max_wait_ms", "e.g. --batch 32,5")
    return value


def _check_canary(value: str) -> str:
    ref, sep, pct = value.rpartition(":")
    try:
        ok = bool(sep and ref) and 0 <= float(pct) <= 100
    except ValueError:
        ok = False
    if not ok:
        raise InvalidInput(f"--canary {value!r} is not REF:PERCENT", "e.g. --canary fraud/4:10")
    return value


def serve(
    ctx: typer.Context,
    refs: Annotated[
        list[str], typer.Argument(help="What to serve: fraud@production, fraud/3, fraud/latest.")
    ],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1)] = 1,
    canary: Annotated[
        list[str] | None,
        typer.Option(help="REF:PERCENT: send PERCENT of its model's traffic to REF."),
    ] = None,
    shadow: Annotated[
        list[str] | None,
        typer.Option(
            help="REF: mirror its model's traffic to REF and compare (no effect on answers)."
        ),
    ] = None,
    batch: Annotated[
        str | None,
        typer.Option(help="max_size,max_wait_ms: merge queued requests (off by default)."),
    ] = None,
    log_dir: Annotated[
        str | None,
        typer.Option(help="Write the prediction log (Parquet) and feedback under DIR."),
    ] = None,
    poll_interval: Annotated[
        float, typer.Option(help="Seconds between checks of a local registry's aliases.")
    ] = 0.5,
    onnx: Annotated[
        bool,
        typer.Option(
            "--onnx",
            help="Serve scikit-learn versions through their ONNX export (onnxruntime): starts "
            "faster, uses less memory; float32 arithmetic.",
        ),
    ] = False,
    graceful_timeout: Annotated[
        int, typer.Option(help="Seconds to finish in-flight requests on SIGTERM.")
    ] = 30,
) -> None:
    """Serve model versions over HTTP (Open Inference Protocol v2, MLflow's /invocations,
    /predict), following their aliases with zero-downtime hot swaps."""
    missing = [m for m in ("prometheus_client", "orjson") if importlib.util.find_spec(m) is None]
    if log_dir and importlib.util.find_spec("pyarrow") is None:
        missing.append("pyarrow")
    if missing:
        raise MissingDependency(
            f"cairn serve needs {', '.join(missing)}", "pip install 'cairn[serve]'"
        )
    import uvicorn

    state: State = ctx.ensure_object(State)
    config = {
        "refs": refs,
        "registry": state.registry_uri,
        "canary": [_check_canary(c) for c in canary or []],
        "shadow": list(shadow or []),
        "batch": _check_batch(batch),
        "log_dir": str(Path(log_dir).resolve()) if log_dir else None,
        "poll_interval": poll_interval,
        "onnx": onnx,
        "workers": workers,
    }
    os.environ[CONFIG_ENV] = json.dumps(config)
    fast = {
        "loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        "http": HTTP_PROTOCOL,
    }
    uvicorn.run(
        APP,
        factory=True,
        host=host,
        port=port,
        workers=workers if workers > 1 else None,
        access_log=False,
        log_level="info",
        timeout_graceful_shutdown=round(graceful_timeout),
        **fast,  # type: ignore[arg-type]
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
