"""Timing helpers shared by the benchmarks (run as scripts from this folder)."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable
from typing import Any


def median_ms(fn: Callable[[], Any], n: int, warmup: int = 3) -> float:
    """Median wall time of ``n`` calls after ``warmup`` unmeasured ones, in milliseconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000


def process_ms(args: list[str], n: int = 5, env: dict[str, str] | None = None) -> float:
    """Best wall time of a fresh process (best-of-n removes scheduler noise), in ms."""
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True, env=env)
        best = min(best, time.perf_counter() - t0)
    return best * 1000
