"""Human-readable lines about a version's flavor metadata, for ``cairn show``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["describe", "describe_schema"]


def describe_schema(schema: Mapping[str, Any] | None) -> str:
    if not schema:
        return "-"
    kind = schema.get("type")
    if kind == "dataframe":
        cols = [
            f"{c['name']}: {c['dtype']}" + (" (optional)" if c.get("optional") else "")
            for c in schema.get("columns", [])
        ]
        return "columns " + ", ".join(cols)
    if kind == "tensor":
        shape = ", ".join(str(d) for d in schema.get("shape", []))
        return f"tensor {schema.get('dtype')} ({shape})"
    if kind == "tensors":
        return "; ".join(
            f"{t['name']}: " + describe_schema({**t, "type": "tensor"})
            for t in schema.get("tensors", [])
        )
    return str(kind)


def describe(meta: Mapping[str, Any]) -> dict[str, str]:
    """``{"flavor": ..., "signature": ..., "safety": ..., "environment": ..., ...}``."""
    if not meta or "flavor" not in meta:
        return {}
    lines: dict[str, str] = {"flavor": f"{meta['flavor']} ({meta.get('format', '?')})"}
    signature = meta.get("signature") or {}
    lines["inputs"] = describe_schema(signature.get("inputs"))
    lines["outputs"] = describe_schema(signature.get("outputs"))
    safety = meta.get("safety") or {}
    scan = safety.get("scan") or {}
    if safety.get("safe", True):
        verdict = f"safe ({safety.get('format', meta.get('format'))})"
        if scan.get("runs_code"):
            code = ", ".join(scan.get("code") or []) or "installed modules only"
            verdict += f", runs Python code when loaded ({code})"
    else:
        n = len(scan.get("globals") or [])
        verdict = f"UNSAFE ({safety.get('format')}): pickle-based, scanned: {n} globals allowed"
        trusted = (meta.get("flavor_meta") or {}).get("trusted") or []
        if trusted:
            verdict += f" (trusted by the author: {', '.join(trusted)})"
    lines["safety"] = verdict
    env = meta.get("environment") or {}
    if env:
        plat = env.get("platform") or {}
        cpu = env.get("cpu") or {}
        gpu = env.get("gpu")
        lines["environment"] = (
            f"Python {env.get('python')} on {plat.get('system')} {plat.get('machine')}, "
            f"{cpu.get('count')} CPUs, " + (f"GPU {gpu.get('name')}" if gpu else "no GPU")
        )
    reqs = meta.get("requirements") or []
    lines["requirements"] = ", ".join(reqs) if reqs else "-"
    if meta.get("input_example"):
        lines["input example"] = str(meta["input_example"])
    return lines
