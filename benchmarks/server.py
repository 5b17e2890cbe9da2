"""The registry server, cairn beside ``mlflow server``, in one run: prints times and ratios.

    python benchmarks/server.py [--mlflow /work/mlflow-venv/bin/mlflow] [--push-mb 370]

Both servers run on loopback, one after the other, each on SQLite and a local folder, and
are driven through their own Python clients (``RemoteRegistry``; ``MlflowClient`` in the
MLflow venv's interpreter). MLflow runs twice: tuned to one uvicorn worker, and with its
default four. The push figure sends v1 of a synthetic model (5% of its tensors changed) to a
server that holds v0, through a loopback proxy that counts the bytes on the wire.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import median_ms  # noqa: E402

# The byte-counting loopback proxy the server tests use to cut and count connections.
sys.path.insert(0, str(ROOT / "tests" / "server"))
from proxy import Proxy  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server at {url} exited")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- cairn -------------------------------------------------------------------------------------------


def start_cairn(tmp: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    import cairn
    from cairn.governance.accounts import Accounts
    from cairn.governance.tokens import server_secret

    os.environ["CAIRN_HOME"] = str(tmp / "home")
    os.environ["CAIRN_SERVER_SECRET"] = "bench-secret"
    os.environ["CAIRN_USER"] = "bench"
    reg = cairn.open(tmp / "registry")
    accounts = Accounts(reg.catalog.engine, server_secret("bench-secret", tmp))  # type: ignore[union-attr]
    accounts.create_user("bench", "bench-password", admin=True)
    token, _ = accounts.create_token("bench")
    reg.close()
    port = free_port()
    env = {**os.environ, "CAIRN_SERVER_REGISTRY": str(tmp / "registry"), "CAIRN_LOG_FORMAT": "json"}
    log = (tmp / "cairn-server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "cairn", "server", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    wait_ready(url + "/readyz", process)
    return process, url, token


def run_cairn(tmp: Path) -> dict[str, float]:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    from cairn.remote import RemoteRegistry

    process, url, token = start_cairn(tmp)
    out: dict[str, float] = {}
    try:
        x, y = load_iris(return_X_y=True)
        model = LogisticRegression(max_iter=500).fit(x, y)
        with RemoteRegistry(url, token=token, cache=tmp / "client-cache") as remote:
            out["log_register"] = median_ms(
                lambda: remote.log_model(model, name="m", input_example=x[:2]), 20
            )
            v = remote.resolve("m/1")
            out["create_version"] = median_ms(lambda: remote.register(v.digest, model="m"), 100)
            remote.set_alias("m", "production", 1)
            out["resolve_alias"] = median_ms(lambda: remote.resolve("m@production"), 1000)
            out["search_first_page"] = median_ms(lambda: remote.versions("m", limit=50), 200)
            out["versions_in_search"] = float(remote.get_model("m").version_count)
    finally:
        stop(process)
    return out


# -- MLflow ------------------------------------------------------------------------------------------

MLFLOW_CLIENT = r"""
import json, statistics, sys, time, warnings
warnings.filterwarnings("ignore")
import logging; logging.disable(logging.WARNING)
import mlflow
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

def median_ms(fn, n, warmup=3):
    for _ in range(warmup): fn()
    s = []
    for _ in range(n):
        t0 = time.perf_counter(); fn(); s.append(time.perf_counter() - t0)
    return statistics.median(s) * 1000

mlflow.set_tracking_uri(sys.argv[1])
mlflow.set_experiment("bench")
x, y = load_iris(return_X_y=True)
model = LogisticRegression(max_iter=500).fit(x, y)
client = MlflowClient()
out = {}
def log_register():
    with mlflow.start_run():
        # Tuned: no input_example (MLflow 3 would start a model server to validate it) and
        # pip_requirements given (else it infers them in a subprocess): its fastest path.
        mlflow.sklearn.log_model(model, name="model", registered_model_name="m",
                                 pip_requirements=["scikit-learn"])
out["log_register"] = median_ms(log_register, int(sys.argv[2]))
run = mlflow.search_runs(output_format="list")[0]
source = f"runs:/{run.info.run_id}/model"
out["create_version"] = median_ms(lambda: client.create_model_version("m", source, run.info.run_id), 100)
client.set_registered_model_alias("m", "production", "1")
out["resolve_alias"] = median_ms(lambda: client.get_model_version_by_alias("m", "production"), 300)
out["search_first_page"] = median_ms(lambda: client.search_model_versions("name='m'", max_results=50), 100)
out["versions_in_search"] = len(client.search_model_versions("name='m'", max_results=1000))
print(json.dumps(out))
"""


def run_mlflow(mlflow: str, tmp: Path, workers: int | None) -> dict[str, float] | None:
    python = str(Path(mlflow).parent / "python")
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    args = [
        mlflow,
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--backend-store-uri",
        f"sqlite:///{tmp}/mlflow.db",
        "--artifacts-destination",
        str(tmp / "mlartifacts"),
    ]
    if workers is not None:
        args += ["--workers", str(workers)]
    log = (tmp / "mlflow-server.log").open("wb")
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url + "/health", process)
        n = "10" if workers == 1 else "5"
        done = subprocess.run([python, "-c", MLFLOW_CLIENT, url, n], capture_output=True, text=True)
        if done.returncode != 0:
            print("MLflow client failed:", done.stderr[-2000:], file=sys.stderr)
            return None
        result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
        return result
    finally:
        stop(process)


# -- push bytes --------------------------------------------------------------------------------------


def synthetic_model(
    root: Path, total_mb: int, changed: float, seed: int, base: Path | None
) -> None:
    """~total_mb of "tensors" in one safetensors-like file; v1 rewrites a fraction of them."""
    root.mkdir(parents=True, exist_ok=True)
    count = 100
    size = total_mb * 1024 * 1024 // count
    rng = random.Random(seed)
    changed_idx = set(rng.sample(range(count), int(count * changed))) if base else set()
    with (root / "model.safetensors").open("wb") as out:
        old = (base / "model.safetensors").open("rb") if base else None
        for i in range(count):
            data = old.read(size) if old else b""
            if not old or i in changed_idx:
                data = os.urandom(size)
            out.write(data)
        if old:
            old.close()
    (root / "config.json").write_text(json.dumps({"tensors": count, "seed": seed}))


def run_push(tmp: Path, total_mb: int) -> dict[str, float]:
    import cairn
    from cairn.remote import RemoteRegistry

    process, url, token = start_cairn(tmp / "push-server")
    try:
        v0, v1 = tmp / "v0", tmp / "v1"
        synthetic_model(v0, total_mb, 0.0, 1, None)
        synthetic_model(v1, total_mb, 0.05, 2, v0)
        local = cairn.open(tmp / "local")
        local.log(v0, model="big")
        local.log(v1, model="big")
        size = local.resolve("big/2").size
        proxy = Proxy(int(url.rsplit(":", 1)[1]))
        with RemoteRegistry(proxy.url, token=token, cache=tmp / "push-cache") as remote:
            t0 = time.perf_counter()
            local.push("big/1", remote)  # type: ignore[arg-type]
            first_s = time.perf_counter() - t0
            first = proxy.sent
            t0 = time.perf_counter()
            local.push("big/2", remote)  # type: ignore[arg-type]
            second_s = time.perf_counter() - t0
            second = proxy.sent - first
        proxy.close()
        local.close()
    finally:
        stop(process)
    return {
        "size": size,
        "v0_wire": first,
        "v1_wire": second,
        "v0_s": first_s,
        "v1_s": second_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mlflow", default="/work/mlflow-venv/bin/mlflow")
    parser.add_argument("--push-mb", type=int, default=370)
    parser.add_argument("--skip-default-workers", action="store_true")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="cairn-server-bench-"))
    try:
        ours = run_cairn(base / "cairn")
        print("cairn:", json.dumps(ours), file=sys.stderr)
        mlflow = args.mlflow if Path(args.mlflow).exists() else None
        one = run_mlflow(mlflow, base / "mlflow1", 1) if mlflow else None
        print("MLflow, 1 worker:", json.dumps(one), file=sys.stderr)
        four = None
        if mlflow and not args.skip_default_workers:
            four = run_mlflow(mlflow, base / "mlflow4", None)
        push = run_push(base / "push", args.push_mb)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    rows = [
        ("create a version (ms)", "create_version"),
        ("resolve name@alias (ms)", "resolve_alias"),
        ("log + register a small sklearn model (ms)", "log_register"),
        ("search: first page of 50 versions (ms)", "search_first_page"),
    ]
    print(
        f"{'operation':44} {'cairn':>8} {'MLflow 1w':>10} {'ratio':>8} {'MLflow 4w':>10} {'ratio':>8}"
    )
    for label, key in rows:
        mine = ours[key]
        cells = []
        for peer in (one, four):
            value = peer.get(key) if peer else None
            cells.append(f"{value:10.2f} {value / mine:7.1f}x" if value else f"{'n/a':>10} {'':>8}")
        print(f"{label:44} {mine:8.2f} {cells[0]} {cells[1]}")
    print("(target: each >= 10x faster than MLflow tuned to one worker)")
    if one:
        print(
            f"versions of the model when searched: cairn {ours['versions_in_search']:.0f}, "
            f"MLflow {one['versions_in_search']:.0f}"
        )
    size = push["size"]
    print()
    print(
        f"push v0 ({size / 1e6:.0f} MB) to an empty server: {push['v0_wire'] / 1e6:.1f} MB "
        f"on the wire in {push['v0_s']:.1f} s"
    )
    print(
        f"push v1 (5% of tensors changed) when v0 is there: {push['v1_wire'] / 1e6:.1f} MB on "
        f"the wire = {100 * push['v1_wire'] / size:.1f}% of its bytes in {push['v1_s']:.1f} s "
        f"(target <= 10%)"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
