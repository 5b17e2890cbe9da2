"""What ``cairn serve`` was asked to do, passed to the server process as JSON.

The CLI must not import :mod:`cairn.serving` (the faces are independent), and uvicorn starts
the app from an import string (``cairn.serving.app:create_app``), possibly in several worker
processes. So the CLI writes the options as JSON into ``CAIRN_SERVE_CONFIG`` and every worker
reads them here, in one place. The keys are the CLI's option names.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from cairn.errors import InvalidInput

__all__ = ["ENV_VAR", "BatchConfig", "CanaryConfig", "ServeConfig", "load_config"]

ENV_VAR = "CAIRN_SERVE_CONFIG"


@dataclass(frozen=True)
class BatchConfig:
    max_size: int
    max_wait_ms: float

    @classmethod
    def parse(cls, text: str) -> BatchConfig:
        """``"32,5"``: at most 32 requests per predict call, waiting at most 5 ms for them."""
        try:
            size, wait = (part.strip() for part in text.split(","))
            config = cls(max_size=int(size), max_wait_ms=float(wait))
        except ValueError:
            raise InvalidInput(
                f"--batch {text!r} is not max_size,max_wait_ms", "e.g. --batch 32,5"
            ) from None
        if config.max_size < 1 or config.max_wait_ms < 0:
            raise InvalidInput(
                f"--batch {text!r} is out of range", "max_size >= 1, max_wait_ms >= 0"
            )
        return config


@dataclass(frozen=True)
class CanaryConfig:
    ref: str
    percent: float

    @classmethod
    def parse(cls, text: str) -> CanaryConfig:
        """``"fraud/4:10"`` or ``"fraud@staging:10"``: 10% of fraud's traffic goes to the ref."""
        ref, sep, pct = text.rpartition(":")
        try:
            percent = float(pct)
        except ValueError:
            percent = -1.0
        if not sep or not ref or not 0 <= percent <= 100:
            raise InvalidInput(
                f"--canary {text!r} is not REF:PERCENT", "e.g. --canary fraud/4:10 (0 to 100)"
            )
        return cls(ref=ref, percent=percent)


@dataclass(frozen=True)
class ServeConfig:
    """Everything one serving process needs; defaults are the CLI's defaults."""

    refs: tuple[str, ...]
    registry: str | None = None
    canary: tuple[CanaryConfig, ...] = ()
    shadow: tuple[str, ...] = ()
    batch: BatchConfig | None = None
    log_dir: str | None = None
    poll_interval: float = 0.5
    log_buffer: int = 100_000
    log_flush_seconds: float = 1.0
    evidence_seconds: float = 60.0
    route_header: str = "x-cairn-route-key"
    onnx: bool = False
    workers: int = 1

    def to_json(self) -> str:
        return json.dumps(
            {
                "refs": list(self.refs),
                "registry": self.registry,
                "canary": [f"{c.ref}:{c.percent:g}" for c in self.canary],
                "shadow": list(self.shadow),
                "batch": None
                if self.batch is None
                else f"{self.batch.max_size},{self.batch.max_wait_ms:g}",
                "log_dir": self.log_dir,
                "poll_interval": self.poll_interval,
                "log_buffer": self.log_buffer,
                "log_flush_seconds": self.log_flush_seconds,
                "evidence_seconds": self.evidence_seconds,
                "route_header": self.route_header,
                "onnx": self.onnx,
                "workers": self.workers,
            }
        )

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ServeConfig:
        refs = tuple(str(r) for r in raw.get("refs") or ())
        if not refs:
            raise InvalidInput(
                "nothing to serve", "give at least one ref: cairn serve fraud@production"
            )
        batch = raw.get("batch")
        return cls(
            refs=refs,
            registry=raw.get("registry") or None,
            canary=tuple(CanaryConfig.parse(str(c)) for c in raw.get("canary") or ()),
            shadow=tuple(str(s) for s in raw.get("shadow") or ()),
            batch=BatchConfig.parse(str(batch)) if batch else None,
            log_dir=raw.get("log_dir") or None,
            poll_interval=float(raw.get("poll_interval", 0.5)),
            log_buffer=int(raw.get("log_buffer", 100_000)),
            log_flush_seconds=float(raw.get("log_flush_seconds", 1.0)),
            evidence_seconds=float(raw.get("evidence_seconds", 60.0)),
            route_header=str(raw.get("route_header", "x-cairn-route-key")).lower(),
            onnx=bool(raw.get("onnx", False)),
            workers=int(raw.get("workers", 1)),
        )


def load_config() -> ServeConfig:
    """The configuration of this serving process, from ``CAIRN_SERVE_CONFIG``."""
    raw = os.environ.get(ENV_VAR)
    if not raw:
        raise InvalidInput(f"{ENV_VAR} is not set", "start the server with: cairn serve REF")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise InvalidInput(f"{ENV_VAR} is not JSON ({exc})", "start it with cairn serve") from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"{ENV_VAR} must be a JSON object", "start it with cairn serve")
    return ServeConfig.from_dict(data)
