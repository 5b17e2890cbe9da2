"""`cairn serve` beside `mlflow models serve`, same scikit-learn model, back to back.

    python benchmarks/serving.py              # 10 s per load run
    python benchmarks/serving.py --seconds 3  # a quick look

Trains one LogisticRegression (8 numeric features) in this environment and, identically, in
the MLflow virtualenv (/work/mlflow-venv, or $MLFLOW_VENV), logs it to a cairn registry and
saves it as an MLflow model, checks both answer the same, then for each server: start it and
time until it is ready (cairn: /v2/health/ready, MLflow: /ping), read its memory (RSS of the
process tree), and load it with `wrk` on loopback, posting one-row `dataframe_split` requests
to /invocations — one client (latency), 8 clients (throughput) and 32 clients. cairn runs with
its prediction log on; a second cairn run turns adaptive batching on. Both use one worker.
The floor — a fresh process that only imports scikit-learn's linear models, in each
interpreter — shows how much of the start-up time and memory is the framework's own. Last,
cairn's start-up alone without the prediction log (its default), best of three starts.
Needs `wrk` (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MLFLOW_VENV = Path(os.environ.get("MLFLOW_VENV", "/work/mlflow-venv"))

TRAIN = textwrap.dedent(
    """
    import numpy as np, pandas as pd
    from sklearn.linear_model import LogisticRegression
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(1000, 8)), columns=[f"f{i}" for i in range(8)])
    y = (X.sum(axis=1) + rng.normal(scale=0.5, size=1000) > 0).astype("int64")
    model = LogisticRegression(max_iter=1000).fit(X, y)
    """
)
SAVE_MLFLOW = TRAIN + textwrap.dedent(
    """
    import sys, json, mlflow.sklearn
    mlflow.sklearn.save_model(model, sys.argv[1], input_example=X.head(5))
    print(json.dumps(model.predict(X.head(200)).tolist()))
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    family = {pid}
    grew = True
    while grew:
        grew = False
        for child, parent in parents.items():
            if parent in family and child not in family:
                family.add(child)
                grew = True
    total = 0
    for p in family:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


FLOOR = (
    "import resource, sklearn.linear_model; "
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
)


def floor(python: str) -> dict[str, float]:
    """Best wall time of a fresh process importing scikit-learn's linear models, and its RSS."""
    best, rss = float("inf"), 0.0
    for _ in range(4):  # the first run warms the disk cache
        start = time.perf_counter()
        done = subprocess.run([python, "-c", FLOOR], capture_output=True, text=True, check=True)
        best = min(best, time.perf_counter() - start)
        rss = int(done.stdout.split()[-1]) / 1024
    return {"ready_s": best, "rss_ready_mib": rss}


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return int(answer.status)
    except Exception:
        return 0


class Server:
    def __init__(self, cmd: list[str], ready_url: str, log: Path, env: dict[str, str]) -> None:
        self.cmd, self.ready_url, self.log, self.env = cmd, ready_url, log, env

    def start(self) -> float:
        """Start; return seconds until the ready endpoint answers 200."""
        start = time.perf_counter()
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.cmd, stdout=out, stderr=subprocess.STDOUT, env=self.env, start_new_session=True
            )
        deadline = start + 120
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited: {self.cmd}\n{self.log.read_text()[-3000:]}")
            if get(self.ready_url) == 200:
                return time.perf_counter() - start
            time.sleep(0.01)
        raise SystemExit(f"server not ready after 120 s: {self.cmd}")

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(60)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        deadline = time.perf_counter() + 30  # children (MLflow's uvicorn) may outlive the parent
        while get(self.ready_url) and time.perf_counter() < deadline:
            time.sleep(0.05)


def cairn_server(tmp: Path, port: int, extra: list[str], env: dict[str, str]) -> Server:
    """``cairn serve bench@production`` on ``port`` from the benchmark's registry."""
    cmd = [sys.executable, "-m", "cairn", "--registry", str(tmp / "registry"), "serve",
           "bench@production", "--port", str(port), *extra]  # fmt: skip
    return Server(cmd, f"http://127.0.0.1:{port}/v2/health/ready", tmp / "cairn.log", env)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([0-9.]+)(us|ms|s)", text.strip())
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * _UNITS[m.group(2)]


def wrk(url: str, script: Path, clients: int, seconds: float) -> dict[str, float]:
    threads = min(clients, 2)
    proc = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{clients}",
            f"-d{seconds:g}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"wrk failed ({proc.returncode}): {proc.stdout}\n{proc.stderr}")
    out = proc.stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))}  # type: ignore[union-attr]
    for pct in ("50", "99"):
        result[f"p{pct}_ms"] = _ms(re.search(rf"\s{pct}%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    result["non_2xx"] = float(bad.group(1)) if bad else 0.0
    result["socket_errors"] = (
        0.0 if not errors else float(sum(map(int, re.findall(r"\d+", errors.group(1)))))
    )
    return result


def measure(name: str, server: Server, url: str, script: Path, seconds: float) -> dict[str, Any]:
    server.start()  # the first start warms the disk cache (and cairn's checkout cache)
    server.stop()
    ready = server.start()
    rss_ready = tree_rss_mib(server.proc.pid)
    try:
        wrk(url, script, 8, min(seconds, 3))  # warm-up
        one = wrk(url, script, 1, seconds)
        eight = wrk(url, script, 8, seconds)
        many = wrk(url, script, 32, seconds)
        rss_loaded = tree_rss_mib(server.proc.pid)
    finally:
        server.stop()
    row = {"name": name, "ready_s": ready, "rss_ready_mib": rss_ready, "rss_loaded_mib": rss_loaded}
    row.update({f"c1_{k}": v for k, v in one.items()})
    row.update({f"c8_{k}": v for k, v in eight.items()})
    row.update({f"c32_{k}": v for k, v in many.items()})
    print(
        f"  {name}: ready {ready:.2f}s, {rss_ready:.0f} MiB; 1 client p50 {one['p50_ms']:.2f} ms; "
        f"8 clients {eight['rps']:.0f} req/s; 32 clients {many['rps']:.0f} req/s",
        flush=True,
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each load run")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("needs wrk: apt-get install -y wrk")
    mlflow_bin = MLFLOW_VENV / "bin" / "mlflow"
    if not mlflow_bin.exists():
        raise SystemExit(f"no MLflow at {mlflow_bin} (set MLFLOW_VENV)")

    tmp = Path(tempfile.mkdtemp(prefix="cairn-bench-serving-"))
    try:
        print("training the model in both environments…", flush=True)
        saved = subprocess.run(
            [str(MLFLOW_VENV / "bin" / "python"), "-c", SAVE_MLFLOW, str(tmp / "mlflow-model")],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        mlflow_answers = json.loads(saved.stdout.strip().splitlines()[-1])
        env = {**os.environ, "CAIRN_USER": "bench", "CAIRN_HOME": str(tmp / "home")}
        log_script = TRAIN + textwrap.dedent(
            f"""
            import cairn, json
            reg = cairn.open({str(tmp / "registry")!r})
            v = reg.log_model(model, name="bench", input_example=X.head(5), onnx=True)
            reg.set_alias("bench", "production", 1)
            from cairn.flavors import load_predictor
            onnx = load_predictor(reg.checkout_cached(v), v.meta, use_onnx=True)
            same = (onnx.predict(X) == model.predict(X)).mean()
            print(f"the ONNX export agrees with scikit-learn on {{same:.1%}} of 1000 rows")
            print(json.dumps(model.predict(X.head(200)).tolist()))
            print(json.dumps(X.head(1).to_dict(orient="split")))
            """
        )
        logged = (
            subprocess.run(
                [sys.executable, "-c", log_script],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            )
            .stdout.strip()
            .splitlines()
        )
        assert json.loads(logged[-2]) == mlflow_answers, "the two models answer differently"
        print(logged[-3])
        split = json.loads(logged[-1])
        body = json.dumps({"dataframe_split": {"columns": split["columns"], "data": split["data"]}})
        script = tmp / "post.lua"
        script.write_text(
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            f"wrk.body = {json.dumps(body)}\n"
        )

        rows = []
        port = free_port()
        mlflow = Server(
            [str(mlflow_bin), "models", "serve", "-m", str(tmp / "mlflow-model"), "--env-manager",
             "local", "-w", "1", "-h", "127.0.0.1", "-p", str(port)],
            f"http://127.0.0.1:{port}/ping", tmp / "mlflow.log",
            {**os.environ, "PATH": f"{MLFLOW_VENV / 'bin'}:{os.environ.get('PATH', '')}"},
        )  # fmt: skip
        print("mlflow models serve (1 worker)…", flush=True)
        rows.append(
            measure("mlflow", mlflow, f"http://127.0.0.1:{port}/invocations", script, args.seconds)
        )
        for name, extra in (
            ("cairn", []),
            ("cairn --batch 32,2", ["--batch", "32,2"]),
            ("cairn --onnx", ["--onnx"]),
        ):
            port = free_port()
            server = cairn_server(tmp, port, [*extra, "--log-dir", str(tmp / "log")], env)
            print(f"{name} (1 worker, prediction log on)…", flush=True)
            rows.append(
                measure(name, server, f"http://127.0.0.1:{port}/invocations", script, args.seconds)
            )
        report(rows)
        floors = {
            "mlflow": floor(str(MLFLOW_VENV / "bin" / "python")),
            "cairn": floor(sys.executable),
        }
        print("\nthe floor, a fresh process importing sklearn.linear_model, and what each adds:")
        for row in rows[:2]:
            f = floors[row["name"]]
            print(
                f"  {row['name']:7} floor {f['ready_s']:.2f} s, {f['rss_ready_mib']:.0f} MiB; "
                f"ready {row['ready_s'] - f['ready_s']:+.2f} s, "
                f"{row['rss_ready_mib'] - f['rss_ready_mib']:+.0f} MiB over it"
            )
        print("\nstart-up alone, best of 3 starts, without the prediction log (the default):")
        for name, extra in (("cairn", []), ("cairn --onnx", ["--onnx"])):
            port = free_port()
            server = cairn_server(tmp, port, extra, env)
            starts = []
            for _ in range(3):
                starts.append((server.start(), tree_rss_mib(server.proc.pid)))
                server.stop()
            ready, rss = min(starts)
            print(f"  {name:13} ready {ready:.2f} s, {rss:.0f} MiB")
        written = sum(1 for _ in (tmp / "log").rglob("*.parquet"))
        print(f"\nprediction log: {written} Parquet files written by the cairn runs")
        if args.json:
            print(json.dumps({"rows": rows, "floors": floors}, indent=1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def report(rows: list[dict[str, Any]]) -> None:
    m, c, b, o = rows
    print("\n| | mlflow models serve | cairn serve | ratio | cairn --batch 32,2 | cairn --onnx |")
    print("|---|---:|---:|---:|---:|---:|")

    def line(label: str, key: str, fmt: str, better: str) -> None:
        ratio = (m[key] / c[key]) if better == "lower" else (c[key] / m[key])
        print(
            f"| {label} | {m[key]:{fmt}} | {c[key]:{fmt}} | {ratio:.1f}x | {b[key]:{fmt}} "
            f"| {o[key]:{fmt}} |"
        )

    line("ready (s)", "ready_s", ".2f", "lower")
    line("RSS when ready (MiB)", "rss_ready_mib", ".0f", "lower")
    line("RSS after load (MiB)", "rss_loaded_mib", ".0f", "lower")
    line("1 client p50 (ms)", "c1_p50_ms", ".2f", "lower")
    line("1 client p99 (ms)", "c1_p99_ms", ".2f", "lower")
    line("1 client req/s", "c1_rps", ".0f", "higher")
    line("8 clients req/s", "c8_rps", ".0f", "higher")
    line("8 clients p50 (ms)", "c8_p50_ms", ".2f", "lower")
    line("8 clients p99 (ms)", "c8_p99_ms", ".2f", "lower")
    line("32 clients req/s", "c32_rps", ".0f", "higher")
    line("32 clients p99 (ms)", "c32_p99_ms", ".2f", "lower")
    errors = {r["name"]: r["c1_non_2xx"] + r["c8_non_2xx"] + r["c32_non_2xx"] for r in rows}
    print(f"\nnon-2xx responses: {errors}")
    print(
        f"batching: 32 clients {b['c32_rps']:.0f} vs {c['c32_rps']:.0f} req/s "
        f"({b['c32_rps'] / c['c32_rps']:.2f}x), p99 {b['c32_p99_ms']:.2f} vs {c['c32_p99_ms']:.2f} ms"
    )


if __name__ == "__main__":
    main()
