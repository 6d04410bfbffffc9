"""Batch scoring throughput and memory: the local engine against Spark ``local[2]``, same model, one run.

Writes N synthetic texts (5-40 words, some with harmful keywords) to one Parquet file, then scores it
with each configuration in a child process while sampling the resident memory of that child's whole
process tree (driver, JVM, Python workers) every 0.2 s:

    local-2proc    local engine, 2 worker processes x 1 intra-op thread (the default on 2 cores)
    local-1proc    local engine, 1 process, the model's own threads (onnxruntime intra-op = 2)
    spark-local2   Spark engine, master local[2] (2 task slots = 2 Python workers x 1 thread)

Start-up is timed apart: the Spark session, then a 2,048-text warm-up job that starts every worker
(each loads the model once; both engines keep their workers for the next job). Figures: texts/s of
the timed job after start-up, texts/s per core, peak RSS of the tree over the whole child (start-up
included), CPU seconds of the tree during the timed job and texts per CPU-second (less disturbed by
other load than texts/s), the mean load average while the job ran, and the ratio local/spark per
core (target: at most 1.2), by wall clock and by CPU time.

    python benchmarks/scale_score.py --n 1000000 [--model src/flagstone/models/default] [--cores 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

WORDS = ("the a we you they people team meeting report weather garden city music game phone coffee "
         "tomorrow today really very good bad great terrible happy tired busy late early please thanks "
         "help need want think know like love enjoy watch read write call send").split()
HARMFUL = ["I will kill you", "I hate them all", "go hurt yourself", "you stupid idiot", "buy drugs here"]


def make_input(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    schema = pa.schema([("id", pa.string()), ("text", pa.string())])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, n, 50_000):
            ids, texts = [], []
            for i in range(start, min(n, start + 50_000)):
                words = rng.choices(WORDS, k=rng.randint(5, 40))
                if rng.random() < 0.1:
                    words.insert(rng.randrange(len(words) + 1), rng.choice(HARMFUL))
                ids.append(f"t{i}")
                texts.append(" ".join(words))
            writer.write_table(pa.table({"id": ids, "text": texts}, schema=schema))


def keyword_model(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.json").write_text(json.dumps({
        "kind": "keyword", "name": "bench-keyword", "files": {},
        "keywords": {"violence": ["kill", "hurt"], "hate": ["hate"], "harassment": ["idiot"]}}))
    return directory


def tree_pids(root: int) -> list[int]:
    """``root`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d))
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack.extend(children.get(pid, []))
    return out


def tree_rss(pids: list[int]) -> int:
    """Resident bytes of ``pids`` together."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            pass
    return total


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds used so far by ``pid`` itself (not its children)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def run_child(args: list[str]) -> tuple[dict, int, float, float]:
    """Run one configuration; return (its result, peak tree RSS, job CPU seconds, mean load average).

    CPU seconds of the whole process tree are sampled per process every 0.2 s (a process that exits
    between two samples loses at most 0.2 s); the job's share is the total less what the tree had used
    when the child printed STARTED (start-up over). Texts per CPU-second is the per-core comparison
    that other load on the machine disturbs least; the load average is over the timed job.
    """
    proc = subprocess.Popen([sys.executable, __file__, "--child", *args], stdout=subprocess.PIPE, text=True)
    peak = 0
    cpu: dict[int, float] = {}
    cpu_at_startup = 0.0
    loads: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            pids = tree_pids(proc.pid)
            peak = max(peak, tree_rss(pids))
            for pid in pids:
                used = cpu_seconds(pid)
                if used is not None:
                    cpu[pid] = max(cpu.get(pid, 0.0), used)
            loads.append(os.getloadavg()[0])
            stop.wait(0.2)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    lines = []
    for line in proc.stdout:  # the child prints STARTED when start-up is over and the timed job begins
        if line.strip() == "STARTED":
            for pid in tree_pids(proc.pid):
                used = cpu_seconds(pid)
                if used is not None:
                    cpu[pid] = max(cpu.get(pid, 0.0), used)
            cpu_at_startup = sum(cpu.values())
            loads.clear()
        lines.append(line)
    proc.wait()
    stop.set()
    t.join()
    if proc.returncode != 0:
        raise SystemExit(f"child {args} failed with exit code {proc.returncode}")
    return (json.loads(lines[-1]), peak, sum(cpu.values()) - cpu_at_startup, sum(loads) / max(1, len(loads)))


def child(ns: argparse.Namespace) -> None:
    from flagstone.scale.base import ScoreJob, get_engine
    from flagstone.settings import load_settings

    settings = load_settings(None, scale_workers=ns.workers, inference_threads=ns.threads,
                             spark_master=f"local[{ns.cores}]",
                             spark_conf={"spark.driver.memory": "1g", "spark.sql.shuffle.partitions": str(ns.cores)})
    engine = get_engine(ns.engine, settings)
    t0 = time.perf_counter()
    # Start-up, timed apart: the Spark session, then a small job that starts every worker (each
    # loads the model once). Both engines keep their workers for the next job.
    if ns.engine == "local":
        engine.batch_rows = 256  # several small batches, so that every worker process starts
    engine.score(ScoreJob(Path(ns.warm), Path(ns.output + "-warm"), Path(ns.model), overwrite=True))
    if ns.engine == "local":
        engine.batch_rows = settings.scale_batch_rows
    startup = time.perf_counter() - t0
    print("STARTED", flush=True)
    result = engine.score(ScoreJob(Path(ns.input), Path(ns.output), Path(ns.model), overwrite=True))
    engine.stop()
    print(json.dumps({"rows": result.rows, "seconds": result.seconds, "startup": startup,
                      "model": result.model_id}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--model", help="model artifact (default: the shipped default model, else a keyword model)")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--configs", default="local-2proc,local-1proc,spark-local2")
    ap.add_argument("--child", dest="engine")
    ap.add_argument("--input")
    ap.add_argument("--output")
    ap.add_argument("--warm")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ns = ap.parse_args()
    if ns.engine:
        return child(ns)

    tmp = Path(tempfile.mkdtemp(prefix="scale_bench_"))
    default = Path(__file__).resolve().parents[1] / "src" / "flagstone" / "models" / "default"
    model = Path(ns.model) if ns.model else (default if (default / "manifest.json").is_file()
                                             else keyword_model(tmp / "kw"))
    inp = tmp / "input.parquet"
    t0 = time.perf_counter()
    make_input(inp, ns.n)
    make_input(tmp / "warm.parquet", 2048, seed=1)
    print(f"# {ns.n:,} texts written in {time.perf_counter() - t0:.1f}s; model {model}; "
          f"{ns.cores} cores; load average {os.getloadavg()[0]:.1f}", flush=True)
    configs = {
        "local-2proc": ["local", "--workers", str(ns.cores), "--threads", "1"],
        "local-1proc": ["local", "--workers", "1", "--threads", str(ns.cores)],
        "spark-local2": ["spark", "--threads", "1"],
    }
    rows, per_cpu = {}, {}
    for name in ns.configs.split(","):
        engine, *rest = configs[name]
        res, peak, cpu, load = run_child([engine, *rest, "--input", str(inp), "--output", str(tmp / f"out-{name}"),
                               "--model", str(model), "--cores", str(ns.cores), "--warm", str(tmp / "warm.parquet")])
        tps = res["rows"] / res["seconds"]
        rows[name] = tps
        per_cpu[name] = res["rows"] / cpu
        print(f"{name:<13} rows={res['rows']:>9,} startup={res['startup']:6.1f}s job={res['seconds']:7.1f}s "
              f"texts/s={tps:9,.0f} per-core={tps / ns.cores:8,.0f} peakRSS={peak / 2**20:7,.0f} MiB "
              f"cpu={cpu:7.0f}s texts/cpu-s={res['rows'] / cpu:6.0f} load={load:4.1f} "
              f"model={res['model']}", flush=True)
    if "spark-local2" in rows:
        best_local = max((v, k) for k, v in rows.items() if k.startswith("local"))
        print(f"ratio {best_local[1]}/spark-local2 per core after start-up: "
              f"{best_local[0] / rows['spark-local2']:.2f} by wall clock, "
              f"{per_cpu[best_local[1]] / per_cpu['spark-local2']:.2f} by CPU time (target <= 1.2)")


if __name__ == "__main__":
    main()
