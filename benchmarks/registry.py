"""Registry operations, cairn beside MLflow, in one run: prints times and ratios.

    python benchmarks/registry.py [--mlflow-python PATH] [--versions 100000]

MLflow runs in its own interpreter (it pins packages cairn does not need): give one with
``--mlflow-python`` (e.g. a venv made with ``python -m venv v && v/bin/pip install mlflow
scikit-learn``), or leave it out to use this interpreter if ``import mlflow`` works there.
Without MLflow the cairn figures still print. Both use SQLite and a local folder.
Create a version and resolve run in five paired rounds (a cairn median, then an MLflow one):
a slow spell of the machine hits both sides of a round alike. Their figures are the medians of
the rounds, and their ratio is the median of the five rounds' ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import median_ms, process_ms  # noqa: E402


def small_model() -> Any:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    x, y = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=500).fit(x, y), x[:2]


MLFLOW_SCRIPT = r"""
import json, statistics, sys, tempfile, time, os
import warnings; warnings.filterwarnings("ignore")
import logging; logging.disable(logging.WARNING)
import mlflow
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

def median_ms(fn, n, warmup=2):
    for _ in range(warmup): fn()
    s = []
    for _ in range(n):
        t0 = time.perf_counter(); fn(); s.append(time.perf_counter() - t0)
    return statistics.median(s) * 1000

tmp = tempfile.mkdtemp()
mlflow.set_tracking_uri(f"sqlite:///{tmp}/mlflow.db")
mlflow.set_experiment("bench")
x, y = load_iris(return_X_y=True)
model = LogisticRegression(max_iter=500).fit(x, y)
client = MlflowClient()
out = {}

def log_register():
    with mlflow.start_run():
        mlflow.sklearn.log_model(model, name="model", registered_model_name="m")
def log_register_example():
    with mlflow.start_run():
        mlflow.sklearn.log_model(model, name="model", registered_model_name="m",
                                 input_example=x[:2])
out["log_register"] = median_ms(log_register, 10)
out["log_register_example"] = median_ms(log_register_example, 3, warmup=1)
run = mlflow.search_runs(output_format="list")[0]
source = f"runs:/{run.info.run_id}/model"
client.set_registered_model_alias("m", "production", "1")
out["search_first_page"] = median_ms(
    lambda: client.search_model_versions("name='m'", max_results=50), 50)
out["versions_in_search"] = len(client.search_model_versions("name='m'", max_results=100000))
print(json.dumps(out), flush=True)
# Paired rounds: the driver asks for one operation at a time, alternating with cairn's.
paired = {
    "create_version": lambda: median_ms(
        lambda: client.create_model_version("m", source, run.info.run_id), 50),
    "resolve_alias": lambda: median_ms(
        lambda: client.get_model_version_by_alias("m", "production"), 300),
}
for line in sys.stdin:
    print(paired[line.strip()](), flush=True)
"""


class MlflowWorker:
    """MLflow in its own interpreter: its one-shot figures first, then paired operations."""

    def __init__(self, python: str) -> None:
        self.python = python
        self.proc = subprocess.Popen(
            [python, "-c", MLFLOW_SCRIPT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None and self.proc.stdin is not None
        first = self.proc.stdout.readline()
        if not first:
            raise SystemExit(f"MLflow run failed: {self.proc.stderr.read()[-2000:]}")  # type: ignore[union-attr]
        self.figures: dict[str, float] = json.loads(first)

    def measure(self, operation: str) -> float:
        self.proc.stdin.write(operation + "\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        return float(self.proc.stdout.readline())  # type: ignore[union-attr]

    def finish(self) -> dict[str, float]:
        self.proc.stdin.close()  # type: ignore[union-attr]
        self.proc.wait(60)
        bindir = Path(self.python).parent
        self.figures["import"] = process_ms([self.python, "-c", "import mlflow"])
        mlflow_cli = bindir / "mlflow"
        if mlflow_cli.exists():
            self.figures["cli"] = process_ms([str(mlflow_cli), "--version"], n=3)
        return self.figures


def paired(
    ours: dict[str, Callable[[], float]], peer: MlflowWorker | None, rounds: int = 5
) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Alternate cairn and MLflow on each operation, round after round: a slow spell of the
    machine hits both sides of a round alike. Medians of the rounds, and of their ratios."""
    mine: dict[str, list[float]] = {k: [] for k in ours}
    theirs: dict[str, list[float]] = {k: [] for k in ours}
    for _ in range(rounds):
        for key, measure in ours.items():
            mine[key].append(measure())
            if peer is not None:
                theirs[key].append(peer.measure(key))
    med = statistics.median
    ratios = {
        k: med(t / m for t, m in zip(theirs[k], mine[k], strict=True)) for k in theirs if theirs[k]
    }
    return (
        {k: med(v) for k, v in mine.items()},
        {k: med(v) for k, v in theirs.items() if v},
        ratios,
    )


def populate(reg: Any, model: str, n: int) -> None:
    """Create ``n`` versions of ``model`` (the same artifact: this measures the catalog)."""
    artifact = Path(tempfile.mkdtemp()) / "w.bin"
    artifact.write_bytes(b"weights")
    first = reg.log(artifact, model=model, metrics={"auc": 0.5})
    bulk = getattr(reg.catalog, "bulk_create_versions", None)
    if bulk is not None and n > 1:
        bulk(model, digest=first.digest, size=first.size, count=n - 1, actor="bench")
        return
    for i in range(n - 1):
        reg.register(first.digest, model=model, metrics={"auc": (i % 1000) / 1000})


def run_cairn(
    versions: int, peer: MlflowWorker | None
) -> tuple[dict[str, float], dict[str, float]]:
    """cairn's figures, and the ratios of the paired operations."""
    import cairn

    home = Path(tempfile.mkdtemp())
    os.environ["CAIRN_USER"] = "bench"
    reg = cairn.open(home / "registry")
    model, example = small_model()
    out: dict[str, float] = {}
    out["log_register"] = median_ms(lambda: reg.log_model(model, name="m"), 20)
    out["log_register_example"] = median_ms(
        lambda: reg.log_model(model, name="m", input_example=example), 20
    )
    v = reg.resolve("m/1")
    reg.set_alias("m", "production", 1)
    ops = {
        "create_version": lambda: median_ms(lambda: reg.register(v.digest, model="m"), 100),
        "resolve_alias": lambda: median_ms(lambda: reg.resolve("m@production"), 1000),
    }
    mine, theirs, ratios = paired(ops, peer)
    out.update(mine)
    if peer is not None:
        peer.figures.update(theirs)
    populate(reg, "small", 100)
    out["first_page_100"] = median_ms(lambda: reg.versions("small", limit=50), 50)
    t0 = time.perf_counter()
    populate(reg, "big", versions)
    out["populate_s"] = time.perf_counter() - t0
    out["first_page_big"] = median_ms(lambda: reg.versions("big", limit=50), 50)
    out["search_big"] = median_ms(
        lambda: reg.search("metrics.auc > 0.5", order_by="metrics.auc desc", limit=50), 20
    )
    reg.close()
    out["import"] = process_ms([sys.executable, "-c", "import cairn"])
    beside = Path(sys.executable).parent / "cairn"  # not a pyenv shim, which adds ~0.2 s
    cairn_cli = str(beside) if beside.exists() else (shutil.which("cairn") or "")
    out["cli"] = process_ms([cairn_cli, "--help"]) if cairn_cli else float("nan")
    return out, ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mlflow-python", default=None)
    parser.add_argument("--versions", type=int, default=100_000)
    args = parser.parse_args()
    python = args.mlflow_python
    if python is None:
        has = subprocess.run([sys.executable, "-c", "import mlflow"], capture_output=True)
        python = sys.executable if has.returncode == 0 else None
    peer = MlflowWorker(python) if python else None
    ours, ratios = run_cairn(args.versions, peer)
    theirs = peer.finish() if peer else None
    rows = [
        ("log + register a small sklearn model (ms)", "log_register", "log_register", 10.0),
        (
            "  the same with an input example (ms)",
            "log_register_example",
            "log_register_example",
            10.0,
        ),
        ("create a version from a stored artifact (ms)", "create_version", "create_version", 10.0),
        ("resolve name@alias (ms)", "resolve_alias", "resolve_alias", None),
        ("import (ms, fresh process)", "import", "import", 9.0),
        ("--help / --version (ms, fresh process)", "cli", "cli", 9.0),
    ]
    print(f"{'operation':48} {'cairn':>10} {'MLflow':>10} {'ratio':>8}  target")
    for label, ours_key, theirs_key, target in rows:
        mine = ours[ours_key]
        value = theirs.get(theirs_key) if theirs else None
        paired_ratio = ratios.get(ours_key)
        if paired_ratio is not None:
            ratio = f"{paired_ratio:7.1f}x"
        else:
            ratio = f"{value / mine:7.1f}x" if value else "     n/a"
        peer_s = f"{value:10.2f}" if value else "       n/a"
        goal = f">= {target:.0f}x faster" if target else "<= 0.2 ms"
        print(f"{label:48} {mine:10.3f} {peer_s} {ratio}  {goal}")
    print()
    print(f"first page of versions, 100 versions:        {ours['first_page_100']:.2f} ms")
    print(
        f"first page of versions, {args.versions:,} versions: {ours['first_page_big']:.2f} ms"
        f"  (ratio {ours['first_page_big'] / ours['first_page_100']:.2f}; target <= 20 ms, <= 2x)"
    )
    print(
        f"search 'metrics.auc > 0.5' order by auc, {args.versions:,} versions: "
        f"{ours['search_big']:.2f} ms"
    )
    if theirs:
        print(
            f"MLflow search_model_versions first page ({int(theirs['versions_in_search'])} "
            f"versions): {theirs['search_first_page']:.2f} ms"
        )
    print(f"(populating {args.versions:,} versions took {ours['populate_s']:.1f} s)")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
