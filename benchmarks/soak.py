"""Soak: does the server's memory stay flat under a long stream of unique texts? (issue 19.3)

    python benchmarks/soak.py                    # 60 s, tiny keyword model, 32 connections
    python benchmarks/soak.py --seconds 600      # the 10-minute soak of the review
    python benchmarks/soak.py --model shipped    # the default ONNX model (slower: fewer requests)

Starts ``flagstone serve`` (the real command, in its own process) on 127.0.0.1 with a fresh data dir,
API keys on and 64 keys (so the abuse rules see many accounts), rate limits out of the way, the
request log and the shipped detection rules on. 32 client threads, each on one keep-alive connection,
send texts that are all different (a third of them flagged by the tiny model) until the time is up.
Every few seconds it prints the server's RSS; at the end the least-squares slope of RSS over the second
half of the run (after warm-up), in MB per minute. Memory that grows with traffic shows up as a slope
that does not fall towards zero; bounded indexes fill and then stay flat.

Only loopback is used; every loop is bounded by the deadline. The client threads share the host's
cores with the server, so requests/s here are not a throughput figure (see benchmarks/serving.py).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

WORDS = ("the a cat dog river mountain blue green quick slow happy angry tired bright dark window "
         "street coffee morning evening train ticket garden music paper stone cloud summer winter").split()
FLAG_WORDS = ("hurt", "vermin")


def host() -> str:
    cpu, mhz = "unknown", "?"
    try:
        text = Path("/proc/cpuinfo").read_text()
        m = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
        f = re.search(r"^cpu MHz\s*:\s*([\d.]+)", text, re.M)
        cpu, mhz = (m.group(1).strip() if m else cpu), (f.group(1) if f else mhz)
    except OSError:
        pass
    return f"{cpu}, {mhz} MHz, {os.cpu_count()} cores, python {sys.version.split()[0]}"


def rss_mb(pid: int) -> float:
    m = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    return int(m.group(1)) / 1024 if m else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def slope_mb_per_min(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of RSS (MB) over time (s), in MB per minute."""
    n = len(samples)
    if n < 2:
        return float("nan")
    mt = sum(t for t, _ in samples) / n
    mr = sum(r for _, r in samples) / n
    var = sum((t - mt) ** 2 for t, _ in samples)
    return 60 * sum((t - mt) * (r - mr) for t, r in samples) / var if var else float("nan")


def tiny_model(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.json").write_text(json.dumps({
        "kind": "keyword", "name": "soak-keywords", "files": {},
        "keywords": {"violence": ["hurt"], "hate": ["vermin"]}}))
    return directory


def scaled_rules(path: Path, scale: float) -> Path:
    import yaml

    from flagstone.abuse.rules import DEFAULT_RULES

    doc = yaml.safe_load(DEFAULT_RULES.read_text())
    for rule in doc["rules"]:
        for field in ("window", "bucket", "half_life", "cooldown"):
            if field in rule:
                rule[field] = rule[field] * scale
    path.write_text(yaml.safe_dump(doc))
    return path


def client(port: int, keys: list[str], seed: int, deadline: float, counts: list[int], lock: threading.Lock) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i, ok, bad = 0, 0, 0
    while time.time() < deadline:
        words = rng.choices(WORDS, k=rng.randint(6, 30))
        if i % 3 == 0:
            words.insert(rng.randrange(len(words)), rng.choice(FLAG_WORDS))
        text = f"{seed}-{i} {rng.getrandbits(64):x} " + " ".join(words)  # unique, never repeated
        body = json.dumps({"input": text})
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {keys[(seed + i) % len(keys)]}"}
        try:
            conn.request("POST", "/v1/moderations", body, headers)
            resp = conn.getresponse()
            resp.read()
            ok, bad = (ok + 1, bad) if resp.status == 200 else (ok, bad + 1)
        except OSError:
            bad += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i += 1
    conn.close()
    with lock:
        counts[0] += ok
        counts[1] += bad


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60.0, help="load duration (default 60; the review used 600)")
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--keys", type=int, default=64, help="API keys (accounts) the clients rotate through")
    ap.add_argument("--model", choices=("tiny", "shipped"), default="tiny")
    ap.add_argument("--content", choices=("none", "hashed", "full"), default="full",
                    help="request_log_content (full keeps texts: the most memory-hungry mode)")
    ap.add_argument("--every", type=float, default=5.0, help="seconds between RSS samples")
    ap.add_argument("--window-scale", type=float, default=1.0,
                    help="scale the shipped rules' windows (e.g. 0.05: 10-minute windows become 30 s, so "
                         "a short run reaches the steady state that a 10-minute one reaches at 1)")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="flagstone-soak-"))
    env = {**os.environ, "FLAGSTONE_DATA_DIR": str(work / "data"), "FLAGSTONE_AUTH_ENABLED": "true",
           "FLAGSTONE_RATE_LIMIT_PER_SECOND": "1000000", "FLAGSTONE_RATE_LIMIT_BURST": "1000000",
           "FLAGSTONE_REQUEST_LOG_CONTENT": args.content, "FLAGSTONE_REGISTRY_POLL_SECONDS": "0"}
    cli = [sys.executable, "-m", "flagstone.cli.main"]
    from flagstone.abuse.db import open_engine
    from flagstone.abuse.keys import KeyStore

    store = KeyStore(open_engine(f"sqlite:///{work / 'data' / 'flagstone.db'}"))  # what `flagstone keys create` does
    keys = [store.create(f"soak{k}", actor="soak")[0] for k in range(args.keys)]
    if args.window_scale != 1.0:
        env["FLAGSTONE_RULES_PATH"] = str(scaled_rules(work / "rules.yaml", args.window_scale))
    port = free_port()
    serve = [*cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    if args.model == "tiny":
        serve += ["--model-dir", str(tiny_model(work / "model"))]
    print(f"host: {host()}")
    print(f"soak: {args.seconds:g} s, {args.concurrency} connections, {args.keys} keys, model {args.model}, "
          f"request_log_content {args.content}, rule windows x{args.window_scale:g}, data in {work}")
    proc = subprocess.Popen(serve, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        ready = time.time() + 120
        while time.time() < ready:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/readyz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None:
                raise SystemExit(f"server exited: {proc.stderr.read() if proc.stderr else ''}")
            time.sleep(0.25)
        else:
            raise SystemExit("server did not become ready within 120 s")
        start = time.time()
        deadline = start + args.seconds
        counts, lock = [0, 0], threading.Lock()
        threads = [threading.Thread(target=client, args=(port, keys, s, deadline, counts, lock), daemon=True)
                   for s in range(args.concurrency)]
        for t in threads:
            t.start()
        samples = [(0.0, rss_mb(proc.pid))]
        print(f"{'t (s)':>7} {'RSS (MB)':>9}")
        print(f"{0.0:>7.0f} {samples[0][1]:>9.1f}")
        while time.time() < deadline:
            time.sleep(min(args.every, max(0.0, deadline - time.time())))
            samples.append((time.time() - start, rss_mb(proc.pid)))
            print(f"{samples[-1][0]:>7.0f} {samples[-1][1]:>9.1f}", flush=True)
        for t in threads:
            t.join(timeout=35)
        late = [s for s in samples if s[0] >= args.seconds / 2]
        print(f"requests: {counts[0]} answered 200, {counts[1]} other "
              f"({counts[0] / max(1e-9, args.seconds):.0f}/s)")
        print(f"RSS: start {samples[0][1]:.1f} MB, end {samples[-1][1]:.1f} MB, peak {max(r for _, r in samples):.1f} MB")
        print(f"slope over the whole run: {slope_mb_per_min(samples):+.2f} MB/min; "
              f"over the second half: {slope_mb_per_min(late):+.2f} MB/min")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
