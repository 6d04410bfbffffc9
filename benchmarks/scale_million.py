"""``flagstone score`` on 1,000,000 texts: local engine, then Spark ``local[2]``; rows/s and peak memory.

One command:

    python benchmarks/scale_million.py [--n 1000000] [--model DIR] [--sample 2000] [--format parquet]

1. Prints the host (CPU model, cores, instruction sets that matter to the int8 encoder, load average).
2. Writes N synthetic texts with a seeded generator (the same N and seed give the same file): word
   counts drawn from a log-normal (median 20 words, a long tail clipped at 1,000 words, as in comment
   threads), mixed case, punctuation, numbers, mentions, links, emoji, and about 10% with a harmful
   phrase. Parquet (row groups of 50,000) or JSONL.
3. Runs the real CLI, ``flagstone score --engine local`` and then ``--engine spark --spark-master
   local[2]``, each as a child process whose whole process tree (CLI, worker processes, JVM, Python
   workers) is sampled every 0.2 s: peak RSS (the sum over processes: an upper bound, forked workers
   share pages) and peak PSS (shared pages divided among their users), CPU seconds of the tree.
4. With ``--model`` (the char-n-gram lexical model: ``flagstone train recipes/lexical.yaml --out DIR``)
   the N-row run uses it; the shipped default model (MiniLM int8 + char n-grams, tens of texts/s per
   core here) runs on a ``--sample``-row input with both engines, and its time for N is extrapolated.
5. Writes the figures to ``benchmarks/results/scale.md`` (``--report``).

Run it niced on a shared machine: ``nice -n 19 python benchmarks/scale_million.py --model DIR``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale_score import cpu_seconds, tree_pids, tree_rss  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = ROOT / "src" / "flagstone" / "models" / "default"
WORDS = """the be to of and a in that have I it for not on with he as you do at this but his by from they we
say her she or an will my one all would there their what so up out if about who get which go me when make
can like time no just him know take people into year your good some could them see other than then now look
only come its over think also back after use two how our work first well way even new want because any
these give day most us is was are been has had were said did got made went thought really very still never
always maybe actually honestly literally pretty quite thanks please sorry lol omg yeah okay ok hey hi hello
game movie song album video stream post thread comment reply review product order delivery refund support
team player coach match season goal score win lose fans city weather traffic train bus school class teacher
homework exam friend family mom dad brother sister kids dog cat coffee pizza dinner lunch weekend holiday
party music phone app update bug crash login password account price cheap expensive quality recommend love
hate like enjoy watch read write call send buy sell help need try start stop keep feel seem leave put mean
great terrible awful amazing boring funny weird stupid smart nice bad happy sad angry tired busy late early
tomorrow today yesterday tonight morning night week month everyone nobody someone something nothing
""".split()
HARMFUL = ["I will kill you", "I hate all of them", "go hurt yourself", "you stupid idiot", "buy drugs here",
           "they should all die", "send nudes", "I want to end my life", "shut up you worthless loser"]
EXTRAS = ["!", "?", "...", ",", ".", ":)", "\U0001F602", "\U0001F44D", "#1", "2024", "@user", "http://example.com/x"]
CPU_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "avx512_bf16",
             "amx_int8")


def host() -> dict:
    info = {"cpu": platform.processor() or "?", "cores": os.cpu_count(), "flags": [], "mhz": None,
            "memory_gib": None, "python": platform.python_version()}
    try:
        text = Path("/proc/cpuinfo").read_text()
        info["cpu"] = re.search(r"^model name\s*:\s*(.*)$", text, re.M).group(1).strip()
        flags = set(re.search(r"^flags\s*:\s*(.*)$", text, re.M).group(1).split())
        info["flags"] = [f for f in CPU_FLAGS if f in flags]
        mhz = re.search(r"^cpu MHz\s*:\s*([\d.]+)", text, re.M)
        info["mhz"] = round(float(mhz.group(1))) if mhz else None
        mem = re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.M)
        info["memory_gib"] = round(int(mem.group(1)) / 2**20, 1)
    except (OSError, AttributeError):
        pass
    return info


def make_texts(n: int, seed: int, start: int = 0) -> tuple[list[str], list[str]]:
    """``n`` texts and ids; deterministic for (n, seed, start) (numpy's PCG64 stream)."""
    rng = np.random.default_rng([seed, start])
    lengths = np.clip(np.rint(rng.lognormal(np.log(20), 1.0, n)), 1, 1000).astype(int)
    words = np.array(WORDS, dtype=object)[rng.integers(0, len(WORDS), int(lengths.sum()))]
    caps = rng.random(len(words)) < 0.04
    words[caps] = [w.upper() for w in words[caps]]
    extra = rng.random(len(words)) < 0.08
    words[extra] = [w + " " + EXTRAS[k] for w, k in zip(words[extra], rng.integers(0, len(EXTRAS), extra.sum()),
                                                         strict=True)]
    harmful = rng.random(n) < 0.1
    which = rng.integers(0, len(HARMFUL), n)
    texts, pos = [], 0
    for i, k in enumerate(lengths):
        parts = list(words[pos:pos + k])
        pos += k
        if harmful[i]:
            parts.insert(int(which[i]) % (len(parts) + 1), HARMFUL[which[i]])
        text = " ".join(parts)
        texts.append(text[0].upper() + text[1:])
    return [f"t{start + i}" for i in range(n)], texts


def write_input(path: Path, n: int, seed: int, fmt: str) -> dict:
    """Write the input in chunks of 50,000 rows (constant memory); return length statistics."""
    chars: list[np.ndarray] = []
    schema = pa.schema([("id", pa.string()), ("text", pa.string())])
    writer = pq.ParquetWriter(path, schema) if fmt == "parquet" else None
    fh = None if writer else path.open("w", encoding="utf-8")
    try:
        for start in range(0, n, 50_000):
            ids, texts = make_texts(min(50_000, n - start), seed, start)
            chars.append(np.fromiter(map(len, texts), int, len(texts)))
            if writer:
                writer.write_table(pa.table({"id": ids, "text": texts}, schema=schema))
            else:
                fh.writelines(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n"
                              for i, t in zip(ids, texts, strict=True))
    finally:
        writer.close() if writer else fh.close()
    lens = np.concatenate(chars)
    return {"rows": n, "bytes": path.stat().st_size, "chars_mean": float(lens.mean()),
            **{f"chars_p{q}": int(np.percentile(lens, q)) for q in (50, 90, 99)}, "chars_max": int(lens.max())}


def tree_pss(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
            total += int(re.search(r"^Pss:\s+(\d+) kB", text, re.M).group(1)) * 1024
        except (OSError, AttributeError, ValueError):
            pass
    return total


@dataclass
class Run:
    label: str
    engine: str
    model: str
    rows: int
    job_seconds: float
    startup_seconds: float
    wall_seconds: float
    peak_rss: int
    peak_pss: int
    cpu_seconds: float
    load: float
    progress_lines: int
    last_progress: str
    flagged: int

    @property
    def job_rate(self) -> float:
        return self.rows / self.job_seconds

    @property
    def wall_rate(self) -> float:
        return self.rows / self.wall_seconds


SCORED = re.compile(r"scored (\d+) texts in ([\d.]+)s \(.*?(?:after ([\d.]+)s start-up)?\) with (\S+) ->")


def run_score(label: str, engine: str, inp: Path, out: Path, model: Path, log: Path) -> Run:
    """``flagstone score`` in a child process; sample its process tree until it exits."""
    cmd = [sys.executable, "-m", "flagstone.cli.main", "score", "--engine", engine, "--input", str(inp),
           "--output", str(out), "--model", str(model), "--overwrite"]
    if engine == "spark":
        cmd += ["--spark-master", "local[2]"]
    peak = {"rss": 0, "pss": 0}
    cpu: dict[int, float] = {}
    loads: list[float] = []
    stop = threading.Event()
    t0 = time.perf_counter()
    with log.open("w") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)

        def sample() -> None:
            tick = 0
            while not stop.is_set():
                pids = tree_pids(proc.pid)
                peak["rss"] = max(peak["rss"], tree_rss(pids))
                if tick % 5 == 0:  # PSS costs more to read: once a second
                    peak["pss"] = max(peak["pss"], tree_pss(pids))
                for pid in pids:
                    used = cpu_seconds(pid)
                    if used is not None:
                        cpu[pid] = max(cpu.get(pid, 0.0), used)
                loads.append(os.getloadavg()[0])
                tick += 1
                stop.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        proc.wait()
        stop.set()
        sampler.join()
    wall = time.perf_counter() - t0
    text = log.read_text(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"{label}: exit code {proc.returncode}\n{text[-3000:]}")
    m = SCORED.search(text)
    progress = [line for line in text.splitlines() if line.startswith("scoring [")]
    flagged = pq.read_table(out, columns=["flagged"]).column("flagged")
    return Run(label, engine, m.group(4), int(m.group(1)), float(m.group(2)), float(m.group(3) or 0.0), wall,
               peak["rss"], peak["pss"], sum(cpu.values()), sum(loads) / max(1, len(loads)), len(progress),
               progress[-1].strip() if progress else "", int(pc.sum(flagged).as_py() or 0))


def fmt_row(r: Run) -> str:
    return (f"| {r.label} | {r.rows:,} | {r.startup_seconds:.1f} s | {r.job_seconds:.1f} s | {r.job_rate:,.0f} | "
            f"{r.wall_seconds:.1f} s | {r.wall_rate:,.0f} | {r.peak_rss / 2**20:,.0f} MiB | "
            f"{r.peak_pss / 2**20:,.0f} MiB | {r.cpu_seconds:,.0f} s | {r.rows / r.cpu_seconds:,.0f} | "
            f"{r.load:.1f} | {r.flagged:,} |")


HEADER = ("| run | rows | Spark session start-up | job | job rows/s | whole command | rows/s overall | "
          "peak RSS (tree) | peak PSS (tree) | CPU (tree) | rows per CPU-s | load avg | flagged |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def report(path: Path, hw: dict, stats: dict, big: list[Run], small: list[Run], ns: argparse.Namespace,
           sample_stats: dict | None) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# `flagstone score` at scale: 1,000,000 texts, local engine and Spark `local[2]`",
        "",
        f"Written by `benchmarks/scale_million.py` on {when}. Command:",
        "",
        f"    nice -n 19 python benchmarks/scale_million.py --n {ns.n} --model {ns.model or '<default>'} "
        f"--sample {ns.sample} --format {ns.format}",
        "",
        f"Host: {hw['cpu']}, {hw['cores']} cores"
        + (f" at {hw['mhz']} MHz" if hw["mhz"] else "") + f", {hw['memory_gib']} GiB, Python {hw['python']}; "
        f"instruction sets: {', '.join(hw['flags']) or 'unknown'}. The machine was shared (a model training "
        "and other engineers' jobs ran beside it; load average per run in the table), and the benchmark ran "
        "at `nice 19`, so the rates are lower bounds for this host; rows per CPU-second is the figure other "
        "load disturbs least.",
        "",
        f"Input: {stats['rows']:,} synthetic texts ({ns.format}, {stats['bytes'] / 2**20:,.0f} MiB), seeded "
        f"generator: characters per text mean {stats['chars_mean']:.0f}, median {stats['chars_p50']}, p90 "
        f"{stats['chars_p90']}, p99 {stats['chars_p99']}, max {stats['chars_max']}.",
        "",
        "Each run is the real CLI (`flagstone score --engine local|spark ... --overwrite`) in a child process; "
        "its whole process tree (CLI, worker processes, JVM, Python workers) is sampled every 0.2 s. "
        "*Job* is the CLI's own figure (after the Spark session is built; worker start-up and model loading "
        "included), *whole command* is from process start to exit. Peak RSS sums the processes (forked "
        "workers share pages, so it over-counts); peak PSS divides shared pages among their users. "
        "The local engine runs one worker process per core (2), batches of 4,096 rows, at most 2 batches "
        "per worker in flight; Spark runs `local[2]` with Arrow batches of 4,096 rows.",
        "",
    ]
    if big:
        lines += [f"## {big[0].rows:,} texts, {big[0].model}", "", HEADER, *map(fmt_row, big), ""]
        for r in big:
            lines.append(f"* {r.label}: {r.progress_lines} progress lines on stderr (not a TTY: one every 5 s or "
                         f"per finished task); last: `{r.last_progress}`")
        if len(big) == 2:
            a, b = big
            lines += ["", f"Local / Spark by job rows/s: **{a.job_rate / b.job_rate:.2f}**; by rows per "
                      f"CPU-second: **{(a.rows / a.cpu_seconds) / (b.rows / b.cpu_seconds):.2f}**. Both engines "
                      f"flag the same number of rows: {'yes' if a.flagged == b.flagged else 'NO'}."]
        lines.append("")
    if small:
        st = sample_stats or {}
        lines += [f"## The shipped default model on a {small[0].rows:,}-row sample, {small[0].model}", "",
                  f"Same generator ({small[0].rows:,} rows, mean {st.get('chars_mean', 0):.0f} characters). "
                  "Extrapolated time for 1,000,000 texts = start-up + 1,000,000 / job rows/s; the job figure "
                  "includes starting the workers and loading the model in each, a larger share of a short job, "
                  "so the extrapolation errs long.", "",
                  HEADER, *map(fmt_row, small), ""]
        for r in small:
            est = r.startup_seconds + 1_000_000 / r.job_rate
            lines.append(f"* {r.label}: 1,000,000 texts would take about **{est / 3600:.1f} h** "
                         f"({est / 60:,.0f} min) at {r.job_rate:,.0f} rows/s on this host under this load.")
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(lines)
    path.write_text(text)
    return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--model", help="model for the N-row run (e.g. the lexical model); default: the shipped one")
    ap.add_argument("--sample", type=int, default=2_000, help="rows for the shipped default model (0: skip)")
    ap.add_argument("--format", choices=("parquet", "jsonl"), default="parquet")
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--engines", default="local,spark")
    ap.add_argument("--workdir", help="where input and outputs go (default: a new temporary folder)")
    ap.add_argument("--report", default=str(ROOT / "benchmarks" / "results" / "scale.md"))
    ns = ap.parse_args()

    hw = host()
    print(f"# host: {hw['cpu']}, {hw['cores']} cores, {hw['mhz']} MHz, {hw['memory_gib']} GiB; "
          f"flags: {' '.join(hw['flags'])}; load {os.getloadavg()[0]:.1f}", flush=True)
    work = Path(ns.workdir or tempfile.mkdtemp(prefix="scale_million_"))
    work.mkdir(parents=True, exist_ok=True)
    suffix = ".parquet" if ns.format == "parquet" else ".jsonl"
    engines = ns.engines.split(",")

    inp = work / f"items-{ns.n}{suffix}"
    t0 = time.perf_counter()
    stats = write_input(inp, ns.n, ns.seed, ns.format)
    print(f"# {ns.n:,} texts -> {inp} ({stats['bytes'] / 2**20:,.0f} MiB) in {time.perf_counter() - t0:.0f}s; "
          f"chars mean {stats['chars_mean']:.0f}, p50 {stats['chars_p50']}, p99 {stats['chars_p99']}", flush=True)
    model = Path(ns.model) if ns.model else DEFAULT_MODEL
    big = []
    for engine in engines:
        big.append(run_score(f"{engine}" + (" `local[2]`" if engine == "spark" else ", 2 processes"), engine, inp,
                             work / f"scored-{engine}-{ns.n}.parquet", model, work / f"{engine}-{ns.n}.log"))
        report(Path(ns.report), hw, stats, big, [], ns, None)  # written after each run: a long run keeps its figures
        r = big[-1]
        print(f"{r.label:<22} rows={r.rows:,} job={r.job_seconds:.1f}s ({r.job_rate:,.0f}/s) startup="
              f"{r.startup_seconds:.1f}s wall={r.wall_seconds:.1f}s peakRSS={r.peak_rss / 2**20:,.0f} MiB "
              f"peakPSS={r.peak_pss / 2**20:,.0f} MiB cpu={r.cpu_seconds:.0f}s load={r.load:.1f} "
              f"flagged={r.flagged:,} model={r.model}", flush=True)
    small, sample_stats = [], None
    if ns.sample and ns.model:
        sample = work / f"items-{ns.sample}{suffix}"
        sample_stats = write_input(sample, ns.sample, ns.seed, ns.format)
        for engine in engines:
            small.append(run_score(f"{engine}" + (" `local[2]`" if engine == "spark" else ", 2 processes"), engine,
                                   sample, work / f"scored-{engine}-{ns.sample}.parquet", DEFAULT_MODEL,
                                   work / f"{engine}-{ns.sample}.log"))
            report(Path(ns.report), hw, stats, big, small, ns, sample_stats)
            r = small[-1]
            print(f"{r.label:<22} rows={r.rows:,} job={r.job_seconds:.1f}s ({r.job_rate:,.0f}/s) startup="
                  f"{r.startup_seconds:.1f}s peakRSS={r.peak_rss / 2**20:,.0f} MiB -> 1M in about "
                  f"{(r.startup_seconds + 1e6 / r.job_rate) / 60:,.0f} min; model={r.model}", flush=True)
    report(Path(ns.report), hw, stats, big, small, ns, sample_stats)
    print(f"# report: {ns.report}; files in {work}")


if __name__ == "__main__":
    main()
