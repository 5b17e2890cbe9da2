"""Loading a scikit-learn model by alias, cairn beside MLflow: prints times and ratios.

    python benchmarks/flavors.py [--mlflow-python PATH] [--runs 5]

Two figures, each for cairn and MLflow on the same machine and the same model (a
StandardScaler + LogisticRegression pipeline on iris, logged with an input example and
pointed at by the alias ``production``; SQLite catalog + local folder for both):

* cold: a fresh Python process imports the library, loads ``iris@production`` and predicts
  one row (best of --runs, wall time of the whole process);
* warm: in one process, after a first load, loading ``iris@production`` again (median);
* floor: a fresh process that only imports the modules the pipeline's classes live in
  (``sklearn.pipeline``, ``sklearn.linear_model``, ``sklearn.preprocessing``), in each
  interpreter: no loader can start faster, so cold minus floor is the library's own share.

The first load after an install computes skops' trusted type names once (cached in
``CAIRN_HOME/cache``); the setup run pays it, the timed runs do not.

The version is logged with ``onnx=True`` too, and a third column shows cairn loading it
through that ONNX export (``load_predictor(..., use_onnx=True)``): no scikit-learn import.

MLflow runs in its own interpreter (it pins packages cairn does not need): pass one with
``--mlflow-python`` (e.g. ``python -m venv --system-site-packages v && v/bin/pip install
mlflow``), or leave it out to use this interpreter if ``import mlflow`` works there. Without
MLflow the cairn figures still print.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROW = [[5.1, 3.5, 1.4, 0.2]]

CAIRN_SETUP = """
import sys, cairn
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
X, y = load_iris(return_X_y=True)
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y)
reg = cairn.open(sys.argv[1])
v = reg.log_model(model, name="iris", input_example=X[:5], onnx=True)
reg.set_alias("iris", "production", v.number)
reg.close()
"""

CAIRN_COLD = """
import sys, cairn
reg = cairn.open(sys.argv[1])
print(reg.load_model("iris@production").predict(ROW))
""".replace("ROW", repr(ROW))

CAIRN_WARM = """
import json, statistics, sys, time, cairn
reg = cairn.open(sys.argv[1])
reg.load_model("iris@production").predict(ROW)
samples = []
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter()
    reg.load_model("iris@production")
    samples.append(time.perf_counter() - t0)
print(json.dumps({"load_ms": statistics.median(samples) * 1000}))
""".replace("ROW", repr(ROW))

# The same version served through its ONNX export (logged with onnx=True): no scikit-learn
# import at load time, float32 arithmetic (same labels here, probabilities may differ by 1e-7).
CAIRN_COLD_ONNX = """
import sys, cairn
from cairn.flavors import load_predictor
reg = cairn.open(sys.argv[1])
v = reg.resolve("iris@production")
print(load_predictor(reg.checkout_cached(v), v.meta, use_onnx=True).predict(ROW))
""".replace("ROW", repr(ROW))

CAIRN_WARM_ONNX = """
import json, statistics, sys, time, cairn
from cairn.flavors import load_predictor
reg = cairn.open(sys.argv[1])
def load():
    v = reg.resolve("iris@production")
    return load_predictor(reg.checkout_cached(v), v.meta, use_onnx=True)
load().predict(ROW)
samples = []
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter()
    load()
    samples.append(time.perf_counter() - t0)
print(json.dumps({"load_ms": statistics.median(samples) * 1000}))
""".replace("ROW", repr(ROW))

FLOOR = "import numpy, sklearn.pipeline, sklearn.linear_model, sklearn.preprocessing"

MLFLOW_SETUP = """
import sys, mlflow
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
mlflow.set_tracking_uri("sqlite:///" + sys.argv[1] + "/mlflow.db")
mlflow.set_experiment("bench")
X, y = load_iris(return_X_y=True)
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y)
with mlflow.start_run():
    info = mlflow.sklearn.log_model(model, name="model", registered_model_name="iris",
                                    input_example=X[:5])
MlflowClient().set_registered_model_alias("iris", "production", "1")
"""

MLFLOW_COLD = """
import sys, numpy as np, mlflow
mlflow.set_tracking_uri("sqlite:///" + sys.argv[1] + "/mlflow.db")
print(mlflow.pyfunc.load_model("models:/iris@production").predict(np.array(ROW)))
""".replace("ROW", repr(ROW))

MLFLOW_WARM = """
import json, statistics, sys, time, numpy as np, mlflow
mlflow.set_tracking_uri("sqlite:///" + sys.argv[1] + "/mlflow.db")
mlflow.pyfunc.load_model("models:/iris@production").predict(np.array(ROW))
samples = []
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter()
    mlflow.pyfunc.load_model("models:/iris@production")
    samples.append(time.perf_counter() - t0)
print(json.dumps({"load_ms": statistics.median(samples) * 1000}))
""".replace("ROW", repr(ROW))


def run(python: str, code: str, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [python, "-c", code, *args], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{python} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def cold_ms(
    python: str, code: str, folder: str, runs: int, env: dict[str, str]
) -> dict[str, float]:
    """Best wall time and best CPU time (user + system) of a fresh process. CPU time is the
    steadier figure on a shared machine: it does not count time spent waiting for a core."""
    best, best_cpu = float("inf"), float("inf")
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        run(python, code, folder, env=env)
        best = min(best, time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best_cpu = min(best_cpu, cpu)
    return {"cold_ms": best * 1000, "cold_cpu_ms": best_cpu * 1000}


def mlflow_python(given: str | None) -> str | None:
    if given:
        return given
    probe = subprocess.run([sys.executable, "-c", "import mlflow"], capture_output=True)
    return sys.executable if probe.returncode == 0 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mlflow-python", default=None)
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per figure")
    parser.add_argument("--loads", type=int, default=50, help="warm loads per figure")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    floors: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="cairn-bench-flavors-") as tmp:
        env = {**os.environ, "CAIRN_HOME": f"{tmp}/home", "CAIRN_USER": "bench",
               "MLFLOW_ENABLE_ASYNC_LOGGING": "false", "PYTHONWARNINGS": "ignore"}  # fmt: skip
        cairn_dir = f"{tmp}/cairn"
        run(sys.executable, CAIRN_SETUP, cairn_dir, env=env)
        run(sys.executable, CAIRN_COLD, cairn_dir, env=env)  # fills the checkout cache
        floors["cairn"] = cold_ms(sys.executable, FLOOR, tmp, args.runs, env)["cold_ms"]
        results["cairn (ONNX export)"] = {
            **cold_ms(sys.executable, CAIRN_COLD_ONNX, cairn_dir, args.runs, env),
            **json.loads(run(sys.executable, CAIRN_WARM_ONNX, cairn_dir, str(args.loads), env=env)),
        }
        results["cairn"] = {
            **cold_ms(sys.executable, CAIRN_COLD, cairn_dir, args.runs, env),
            **json.loads(run(sys.executable, CAIRN_WARM, cairn_dir, str(args.loads), env=env)),
        }
        other = mlflow_python(args.mlflow_python)
        if other:
            mlflow_dir = f"{tmp}/mlflow"
            Path(mlflow_dir).mkdir()
            run(other, MLFLOW_SETUP, mlflow_dir, env={**env, "HOME": tmp})
            mlenv = {**env, "HOME": tmp}
            run(other, MLFLOW_COLD, mlflow_dir, env=mlenv)
            floors["mlflow"] = cold_ms(other, FLOOR, tmp, args.runs, mlenv)["cold_ms"]
            results["mlflow"] = {
                **cold_ms(other, MLFLOW_COLD, mlflow_dir, args.runs, mlenv),
                **json.loads(run(other, MLFLOW_WARM, mlflow_dir, str(args.loads), env=mlenv)),
            }
    print(f"{'':42} {'cairn':>10} {'mlflow':>10} {'ratio':>8} {'cairn+onnx':>11}")
    for key, label in (
        ("cold_ms", "fresh process: import, load @alias, predict"),
        ("cold_cpu_ms", "  the same, CPU time (user + system)"),
        ("load_ms", "in-process load of @alias (median)"),
    ):
        mine = results["cairn"][key]
        theirs = results.get("mlflow", {}).get(key)
        ratio = f"{theirs / mine:7.1f}x" if theirs else "       -"
        shown = f"{theirs:8.1f}ms" if theirs else "         -"
        fast = results["cairn (ONNX export)"][key]
        print(f"{label:42} {mine:8.1f}ms {shown} {ratio} {fast:9.1f}ms")
    print("scikit-learn's own import (the floor), and what each library adds on top of it:")
    for name, floor in floors.items():
        print(f"  {name:8} floor {floor:7.1f}ms   added {results[name]['cold_ms'] - floor:7.1f}ms")
    if len(floors) == 2:
        added = {n: results[n]["cold_ms"] - f for n, f in floors.items()}
        print(f"  added time, mlflow / cairn: {added['mlflow'] / added['cairn']:.1f}x")
    print(json.dumps({"results": results, "floor_ms": floors}))


if __name__ == "__main__":
    main()
