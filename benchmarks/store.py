"""The version store beside `cp` + fsync and whole-file copies (MLflow), in one run.

    python benchmarks/store.py            # ~370 MB model, 10 x 100 MB series (~3 GB of temp space)
    python benchmarks/store.py --small    # a tenth of the sizes, for a quick look

Builds synthetic safetensors-like models (8-byte header length, JSON header, float32 tensors):
v0 base; v1 ~5% of tensors changed; v2 a new tensor inserted at the front (every offset
shifts); v3 only the header changed; v4 every tensor changed. And a 10-version series of a
100 MB file with 5% changed each time. Prints bytes on disk against the ideal unique bytes,
ingest and checkout speed against `cp` + fsync, and peak memory for two file sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024


# -- synthetic data ---------------------------------------------------------------------------


def tensor_bytes(seed: int, elements: int) -> bytes:
    return np.random.default_rng(seed).standard_normal(elements, dtype=np.float32).tobytes()


def write_safetensors(path: Path, seeds: list[int], elements: int, note: str = "v0") -> int:
    """Write a safetensors-like file tensor by tensor; return the unique payload it adds."""
    header: dict[str, Any] = {"__metadata__": {"note": note, "format": "pt"}}
    offset = 0
    for index, seed in enumerate(seeds):
        size = elements * 4
        header[f"layer{index}.weight.{seed}"] = {
            "dtype": "F32",
            "shape": [elements],
            "data_offsets": [offset, offset + size],
        }
        offset += size
    encoded = json.dumps(header).encode()
    with path.open("wb") as out:
        out.write(len(encoded).to_bytes(8, "little"))
        out.write(encoded)
        for seed in seeds:
            out.write(tensor_bytes(seed, elements))
    return 8 + len(encoded)


def model_versions(work: Path, scale: float) -> tuple[list[Path], list[int]]:
    """v0..v4 of a model; and the ideal unique bytes after each of v0..v3."""
    elements = 1024 * 1024  # 4 MiB per tensor
    count = max(4, round(92 * scale))
    base = list(range(count))
    changed = set(random.Random(1).sample(base, max(1, round(count * 0.05))))
    variants = [
        (base, "v0"),
        ([s + 1000 if s in changed else s for s in base], "v1"),
        ([5000, *base], "v2"),
        (base, "v3: only the header changed"),
        ([s + 9000 for s in base], "v4"),
    ]
    paths: list[Path] = []
    ideal: list[int] = []
    seen: set[int] = set()
    unique = 0
    for index, (seeds, note) in enumerate(variants):
        folder = work / f"model-v{index}"
        folder.mkdir(parents=True)
        path = folder / "model.safetensors"
        header = write_safetensors(path, seeds, elements, note)
        unique += header + sum(elements * 4 for s in set(seeds) - seen)
        seen |= set(seeds)
        paths.append(folder)
        ideal.append(unique)
    return paths, ideal


def series_versions(work: Path, scale: float) -> tuple[list[Path], int]:
    """Ten versions of one file, 5% of it rewritten each time (overlaps make it a bit less)."""
    size = int(100 * MiB * scale)
    rng = random.Random(7)
    data = bytearray(rng.randbytes(size))
    regions = max(1, round(5 * scale))  # five 1% edits; one 5% edit with --small
    region = size * 5 // 100 // regions
    paths = []
    unique = size
    for version in range(10):
        if version:
            for _ in range(regions):
                start = rng.randrange(0, size - region)
                data[start : start + region] = rng.randbytes(region)
            unique += regions * region
        folder = work / f"series-v{version}"
        folder.mkdir(parents=True)
        (folder / "weights.bin").write_bytes(data)
        paths.append(folder)
    return paths, unique


# -- helpers ----------------------------------------------------------------------------------


def du(path: Path) -> int:
    return sum(p.stat().st_blocks * 512 for p in path.rglob("*") if p.is_file())


def apparent(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def drop_page_cache(paths: list[Path]) -> str:
    """Try the kernel-wide drop, then per-file DONTNEED; say which worked."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return "dropped (/proc/sys/vm/drop_caches)"
    except OSError:
        pass
    for root in paths:
        for file in root.rglob("*"):
            if file.is_file():
                fd = os.open(file, os.O_RDONLY)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                os.close(fd)
    return "evicted per file (posix_fadvise DONTNEED)"


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def cpu_now() -> float:
    """CPU seconds used so far by this process and its finished children (cp)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def measured(fn: Callable[[], Any]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of ``fn``."""
    wall, cpu = time.perf_counter(), cpu_now()
    fn()
    return time.perf_counter() - wall, cpu_now() - cpu


def cp_fsync(source: Path, dest: Path) -> None:
    """What a user does today: cp -r, then make it durable."""
    subprocess.run(["cp", "-r", str(source), str(dest)], check=True)
    for file in dest.rglob("*"):
        if file.is_file():
            fd = os.open(file, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)
    fd = os.open(dest, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)


def best_of(n: int, fn: Callable[[int], float]) -> float:
    return min(fn(i) for i in range(n))


# -- measurements -----------------------------------------------------------------------------


def measure_model(work: Path, scale: float, repeat: int) -> dict[str, Any]:
    """Dedup on v0..v4, and cairn against cp + fsync, run alternately (best of ``repeat``)."""
    from cairn.store import open_store

    versions, ideal = model_versions(work / "data", scale)
    out: dict[str, Any] = {"size": apparent(versions[0]), "ideal": ideal}
    runs: dict[str, list[tuple[float, float]]] = {}

    def record(name: str, fn: Callable[[], Any]) -> None:
        os.sync()  # start each run with no dirty pages from the previous one (cairn or cp)
        runs.setdefault(name, []).append(measured(fn))

    for attempt in range(repeat):
        target = work / f"new-{attempt}"
        with open_store(target) as store:
            record("ingest_new", lambda s=store: s.put_tree(versions[0]))
            record("ingest_dup", lambda s=store: s.put_tree(versions[1]))
        shutil.rmtree(target)
        record("cp_new", lambda t=target: cp_fsync(versions[0], t))
        shutil.rmtree(target)
        record("cp_dup", lambda t=target: cp_fsync(versions[1], t))
        shutil.rmtree(target)

    store_dir = work / "store"
    on_disk = []
    digests = []
    with open_store(store_dir) as store:
        for folder in versions[:4]:
            digests.append(store.put_tree(folder).digest)
            on_disk.append(du(store_dir))
        out["on_disk"] = on_disk
        digests.append(store.put_tree(versions[4]).digest)
        out["v4_on_disk"] = du(store_dir) - on_disk[-1]
        out["v4_size"] = apparent(versions[4])
        copy = work / "cp-source"
        cp_fsync(versions[1], copy)
        for attempt in range(repeat):
            out_dir, cp_dir = work / f"checkout-{attempt}", work / f"cp-out-{attempt}"
            record("checkout", lambda o=out_dir: store.checkout(digests[1], o))
            record("cp_checkout", lambda c=cp_dir: cp_fsync(copy, c))
            shutil.rmtree(out_dir)
            shutil.rmtree(cp_dir)
        for attempt in range(2):
            out_dir, cp_dir = work / f"cold-{attempt}", work / f"cp-cold-{attempt}"
            out["cache"] = drop_page_cache([store_dir, copy])
            record("checkout_cold", lambda o=out_dir: store.checkout(digests[1], o))
            drop_page_cache([store_dir, copy])
            record("cp_cold", lambda c=cp_dir: cp_fsync(copy, c))
            shutil.rmtree(out_dir)
            shutil.rmtree(cp_dir)
    out.update({name: min(wall for wall, _ in values) for name, values in runs.items()})
    out.update({f"{name}_cpu": min(cpu for _, cpu in values) for name, values in runs.items()})
    out["mlflow"] = [apparent(versions[0]) * (i + 1) for i in range(4)]  # whole copies
    shutil.rmtree(work / "data")
    shutil.rmtree(store_dir)
    shutil.rmtree(work / "cp-source")
    return out


def measure_series(work: Path, scale: float) -> dict[str, Any]:
    from cairn.store import open_store

    versions, unique = series_versions(work / "series", scale)
    store_dir = work / "series-store"
    started = time.perf_counter()
    with open_store(store_dir) as store:
        for folder in versions:
            store.put_tree(folder)
    seconds = time.perf_counter() - started
    result = {
        "ideal": unique,
        "on_disk": du(store_dir),
        "whole_copies": sum(apparent(v) for v in versions),
        "seconds": seconds,
        "total": sum(apparent(v) for v in versions),
    }
    shutil.rmtree(work / "series")
    shutil.rmtree(store_dir)
    return result


RSS_CHILD = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from cairn.store import open_store
with open_store(sys.argv[1]) as store:
    snap = store.put_tree(Path(sys.argv[2]))
    store.checkout(snap.digest, Path(sys.argv[1] + "-out"))
status = Path("/proc/self/status").read_text().split("VmHWM:")[1]
print(int(status.split()[0]))  # KiB; ru_maxrss would include the parent's pages from fork
"""


def measure_rss(work: Path, sizes: list[int]) -> list[tuple[int, int]]:
    """Peak RSS (KiB) of a fresh process that puts and checks out one file of each size."""
    results = []
    for size in sizes:
        folder = work / f"rss-{size}"
        folder.mkdir()
        with (folder / "big.bin").open("wb") as out:
            rng = random.Random(size)
            for _ in range(size // (16 * MiB)):
                out.write(rng.randbytes(16 * MiB))
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                RSS_CHILD,
                str(work / f"rss-store-{size}"),
                str(folder),
                str(ROOT / "src"),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        results.append((size, int(done.stdout.split()[-1])))
        for path in (folder, work / f"rss-store-{size}", work / f"rss-store-{size}-out"):
            shutil.rmtree(path, ignore_errors=True)
    return results


def measure_cpu_split(work: Path, scale: float) -> dict[str, float]:
    """CPU seconds per GB: cutting alone, cutting + hashing on one thread, and put_tree's threads."""
    import blake3

    from cairn.store import open_store
    from cairn.store.chunker import Chunker

    size = int(256 * MiB * scale)
    folder = work / "cpu"
    folder.mkdir()
    path = folder / "cpu.bin"
    with path.open("wb") as out:
        rng = random.Random(3)
        for _ in range(max(1, size // (16 * MiB))):
            out.write(rng.randbytes(16 * MiB))
    gigabytes = path.stat().st_size / 1e9
    chunker = Chunker()

    def cut(hash_too: bool) -> None:
        whole = blake3.blake3()
        with path.open("rb", buffering=0) as stream:
            for block in chunker.blocks(stream):
                if hash_too:
                    for view in block.chunks:
                        blake3.blake3(view).digest()
                    whole.update(block.data)

    def cpu_of(fn: Callable[[], Any]) -> tuple[float, float]:
        start_main, start_all = time.thread_time(), time.process_time()
        fn()
        return time.thread_time() - start_main, time.process_time() - start_all

    cut(True)
    result = {
        "cut": min(cpu_of(lambda: cut(False))[0] for _ in range(3)) / gigabytes,
        "cut_hash": min(cpu_of(lambda: cut(True))[0] for _ in range(3)) / gigabytes,
    }
    runs = []
    for attempt in range(3):
        with open_store(work / f"cpu-store-{attempt}") as store:
            runs.append(cpu_of(lambda s=store: s.put_tree(folder)))
        shutil.rmtree(work / f"cpu-store-{attempt}")
    result["put_main"] = min(r[0] for r in runs) / gigabytes
    result["put_all"] = min(r[1] for r in runs) / gigabytes
    shutil.rmtree(folder)
    return result


# -- report -----------------------------------------------------------------------------------


def cpu_row(model: dict[str, Any], ours: str, theirs: str, mb: float) -> None:
    gb = mb / 1000
    mine, peer = model[f"{ours}_cpu"] / gb, model[f"{theirs}_cpu"] / gb
    row("  CPU seconds per GB, cairn vs cp", f"{mine:.2f} vs {peer:.2f}", "", None)


def row(label: str, value: str, target: str, ok: bool | None) -> None:
    mark = "" if ok is None else ("PASS" if ok else "MISS")
    print(f"{label:58} {value:>26}  {target:>10} {mark}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--small", action="store_true", help="a tenth of the sizes")
    parser.add_argument(
        "--dir", type=Path, default=None, help="where to work (default: a temp dir)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="best of N for timings")
    args = parser.parse_args()
    scale = 0.1 if args.small else 1.0
    work = Path(tempfile.mkdtemp(prefix="cairn-bench-", dir=args.dir))
    load = [f"{os.getloadavg()[0]:.2f}"]
    try:
        model = measure_model(work, scale, args.repeat)
        series = measure_series(work, scale)
        rss = measure_rss(work, [64 * MiB, 512 * MiB] if scale == 1 else [64 * MiB, 256 * MiB])
        cpu = measure_cpu_split(work, scale)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    size = model["size"]
    mb = size / 1e6
    print(
        f"\ncairn store benchmark ({'--small' if args.small else 'full'}; model {mb:.0f} MB, "
        f"series 10 x {series['total'] / 10 / 1e6:.0f} MB; {os.cpu_count()} cores)\n"
    )
    if args.small:
        print("(--small: a quick look; the targets are for the full run)")
    print(f"{'measure':58} {'cairn vs baseline':>26}  {'target':>10}")
    ratio = series["on_disk"] / series["ideal"]
    row(
        "10-version series: on disk / ideal unique bytes",
        f"{ratio:.3f}x ({series['on_disk'] / 1e6:.0f}/{series['ideal'] / 1e6:.0f} MB)",
        "<= 1.10x",
        ratio <= 1.10,
    )
    mlflow = series["whole_copies"] / series["ideal"]
    row("10-version series: whole-file copies (MLflow) / ideal", f"{mlflow:.2f}x", "", None)
    ratio = model["on_disk"][3] / model["ideal"][3]
    row(
        "model v0-v3: on disk / ideal unique bytes",
        f"{ratio:.3f}x ({model['on_disk'][3] / 1e6:.0f}/{model['ideal'][3] / 1e6:.0f} MB)",
        "<= 1.10x",
        ratio <= 1.10,
    )
    for index, label in (
        (1, "v1 (5% tensors)"),
        (2, "v2 (insert at front)"),
        (3, "v3 (header only)"),
    ):
        added = model["on_disk"][index] - model["on_disk"][index - 1]
        ideal = model["ideal"][index] - model["ideal"][index - 1]
        row(
            f"  {label}: added on disk vs ideal",
            f"{added / 1e6:.1f} vs {ideal / 1e6:.1f} MB",
            "",
            None,
        )
    row(
        "  v4 (every tensor changed): added on disk / its size",
        f"{model['v4_on_disk'] / model['v4_size']:.3f}x",
        "",
        None,
    )
    row(
        "model v0-v3: whole-file copies (MLflow) / ideal",
        f"{model['mlflow'][3] / model['ideal'][3]:.2f}x",
        "",
        None,
    )

    speed = model["cp_new"] / model["ingest_new"]
    row(
        "ingest new data (v0) vs cp + fsync",
        f"{speed:.2f}x ({mb / model['ingest_new']:.0f} vs {mb / model['cp_new']:.0f} MB/s)",
        ">= 0.6x",
        speed >= 0.6,
    )
    cpu_row(model, "ingest_new", "cp_new", mb)
    dup = model["ingest_dup"]
    speed = model["cp_dup"] / dup
    row(
        "ingest mostly-duplicate version (v1) vs cp + fsync",
        f"{speed:.2f}x ({mb / dup:.0f} vs {mb / model['cp_dup']:.0f} MB/s)",
        ">= 1.0x",
        speed >= 1.0,
    )
    cpu_row(model, "ingest_dup", "cp_dup", mb)
    speed = model["cp_checkout"] / model["checkout"]
    row(
        "checkout v1 vs cp + fsync (warm page cache)",
        f"{speed:.2f}x ({mb / model['checkout']:.0f} vs {mb / model['cp_checkout']:.0f} MB/s)",
        ">= 0.6x",
        speed >= 0.6,
    )
    cpu_row(model, "checkout", "cp_checkout", mb)
    speed = model["cp_cold"] / model["checkout_cold"]
    row(
        "checkout v1 vs cp + fsync (after a cache drop, best of 2)",
        f"{speed:.2f}x ({mb / model['checkout_cold']:.0f} vs {mb / model['cp_cold']:.0f} MB/s)",
        ">= 0.6x",
        speed >= 0.6,
    )
    cpu_row(model, "checkout_cold", "cp_cold", mb)
    print(f"  page cache before each cold run: {model['cache']}")
    (small, small_rss), (big, big_rss) = rss
    growth = big_rss / small_rss
    row(
        f"peak RSS, put + checkout of {small // MiB} MiB vs {big // MiB} MiB file",
        f"{small_rss / 1024:.0f} vs {big_rss / 1024:.0f} MiB ({growth:.2f}x)",
        "flat",
        growth < 1.25,
    )
    row("CPU s/GB: FastCDC cut alone (one thread)", f"{cpu['cut']:.2f}", "", None)
    row(
        "CPU s/GB: cut + BLAKE3 chunks + whole file (one thread)",
        f"{cpu['cut_hash']:.2f}",
        "",
        None,
    )
    row(
        "CPU s/GB: put_tree, calling thread / all threads",
        f"{cpu['put_main']:.2f} / {cpu['put_all']:.2f}",
        "",
        None,
    )
    row(
        "series: 10 versions ingested",
        f"{series['total'] / series['seconds'] / 1e6:.0f} MB/s",
        "",
        None,
    )
    print(
        f"  load average at start / end: {load[0]} / {os.getloadavg()[0]:.2f} (other work on the machine skews times)"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
