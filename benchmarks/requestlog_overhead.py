"""Request-log overhead on server throughput, measured against a baseline in the same run.

The real app (``create_app`` + ``install_abuse``) is driven in process with the KeywordModel (a
near-free model, so the overhead is as large as it can be relative to scoring) in four set-ups,
interleaved round by round so that machine load affects each alike:

  bare        create_app only (no keys, no limits, no log)
  no-log      install_abuse with auth and rate limiting, request log off   <- the baseline
  log         ... plus the batched request log (SQLite, content storage "hashed"), no rules
  log+detect  ... plus the shipped detection rules fed from the log

Each block times ``--requests`` sequential requests *including* the final flush of the log queue,
so a writer that falls behind is charged. Two figures per set-up:

* wall-clock throughput, as the median over rounds of the *paired* ratio (each round's block against
  the same round's ``no-log`` block, run back to back), which cancels slow drifts in machine load;
* CPU seconds of this process per request (all threads: client, server, log writer), which other
  processes on a shared machine disturb less than wall time;
* the log writer thread's own CPU (``RequestLogWriter.cpu_seconds``) as a share of the process CPU:
  the direct cost of logging, measured by the thread that pays it. When the server is CPU-bound, throughput is
  inversely proportional to it, so ``cpu(no-log) / cpu(log)`` is the throughput ratio under load.
  The in-process test client's own CPU is in every set-up alike, which dilutes the ratio a little.

Target: ``log`` keeps >= 90% of ``no-log`` throughput.

    python benchmarks/requestlog_overhead.py [--requests 150] [--rounds 12] [--inputs 1]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from flagstone.abuse.http import install_abuse
from flagstone.abuse.rules import load_rules
from flagstone.models.fakes import KeywordModel
from flagstone.serving.app import create_app
from flagstone.settings import Settings

REPO = Path(__file__).resolve().parents[1]
MODES = ("bare", "no-log", "log", "log+detect")
KEYWORDS = {"violence": ["hurt"], "hate": ["vermin"], "harassment": ["idiot"]}


def build(mode: str, tmp: Path):
    settings = Settings(data_dir=tmp / mode.replace("+", "_"), model_dir=tmp / "none", batch_max_wait_ms=0.0,
                        abuse_enabled=mode != "bare", auth_enabled=mode != "bare",
                        rate_limit_burst=1e9, rate_limit_per_second=1e9,
                        request_log_enabled=mode.startswith("log"), request_log_content="hashed")
    app = create_app(settings, model=KeywordModel(KEYWORDS, name="bench"))
    headers: dict[str, str] = {}
    services = None
    if mode != "bare":
        rules = load_rules(REPO / "rules" / "default.yaml") if mode == "log+detect" else []
        services = install_abuse(app, settings, rules=rules)
        if mode == "log" and services.writer is not None:
            services.writer.sinks = []  # logging alone: no detection monitor behind the log
        headers = {"Authorization": f"Bearer {services.keys.create('bench')[0]}"}
    client = TestClient(app).__enter__()
    return client, headers, services


def block(client, headers, services, n: int, inputs: int, offset: int) -> tuple[float, float, float]:
    """Return (requests per wall second, CPU seconds per request, share of CPU in the log writer)."""
    writer = services.writer if services is not None else None
    t, cpu, wcpu = time.perf_counter(), time.process_time(), writer.cpu_seconds if writer else 0.0
    for i in range(n):
        body = {"input": [f"message {offset + i}.{j}: see you at the idiot meeting at {i % 7} pm" for j in range(inputs)]}
        r = client.post("/v1/moderations", json=body, headers=headers)
        if r.status_code != 200:
            raise SystemExit(f"unexpected {r.status_code}: {r.text}")
    if writer is not None:
        writer.flush()
    used = time.process_time() - cpu
    return n / (time.perf_counter() - t), used / n, ((writer.cpu_seconds - wcpu) / used) if writer else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="request-log overhead on throughput")
    ap.add_argument("--requests", type=int, default=150)
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--inputs", type=int, default=1, help="texts per request")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        apps = {m: build(m, Path(d)) for m in MODES}
        for m in MODES:  # warm-up
            block(*apps[m], 30, args.inputs, 0)
        rates: dict[str, list[float]] = {m: [] for m in MODES}
        cpus: dict[str, list[float]] = {m: [] for m in MODES}
        shares: dict[str, list[float]] = {m: [] for m in MODES}
        for r in range(args.rounds):
            order = MODES if r % 2 == 0 else tuple(reversed(MODES))
            for m in order:
                rate, cpu, share = block(*apps[m], args.requests, args.inputs, (r + 1) * 100_000)
                rates[m].append(rate)
                cpus[m].append(cpu)
                shares[m].append(share)
        for client, _, _ in apps.values():
            client.__exit__(None, None, None)
    med = {m: statistics.median(v) for m, v in rates.items()}
    paired = {m: statistics.median(a / b for a, b in zip(rates[m], rates["no-log"], strict=True)) for m in MODES}
    print(f"# Request-log overhead ({args.rounds} rounds x {args.requests} requests, {args.inputs} input(s) each; "
          "median requests/s)\n")
    cpu = {m: statistics.median(v) for m, v in cpus.items()}
    share = {m: statistics.median(v) for m, v in shares.items()}
    print("| set-up | req/s (median) | wall: paired ratio vs no-log | CPU ms/request (median) | "
          "CPU-bound throughput vs no-log | log-writer thread share of CPU |")
    print("|---|---|---|---|---|---|")
    for m in MODES:
        print(f"| {m} | {med[m]:.1f} | {paired[m]:.3f} | {cpu[m] * 1000:.2f} | {cpu['no-log'] / cpu[m]:.3f} "
              f"| {share[m]:.1%} |")
    print("\nper-round req/s: " + "; ".join(f"{m}: {', '.join(f'{x:.0f}' for x in rates[m])}" for m in MODES))
    print("per-round CPU ms/request: " + "; ".join(f"{m}: {', '.join(f'{x * 1000:.1f}' for x in cpus[m])}"
                                                  for m in MODES))
    wall_overhead, cpu_overhead = 1 - paired["log"], 1 - cpu["no-log"] / cpu["log"]
    verdict = "MET" if cpu_overhead <= 0.10 else "NOT MET"
    print(f"\nrequest-log overhead: {cpu_overhead:.1%} of CPU-bound throughput ({verdict}, target <= 10%); "
          f"{wall_overhead:.1%} by wall clock on this machine; the log writer itself used "
          f"{share['log']:.1%} of the process CPU (direct cost, immune to other processes' load)")
    print(f"log + detection overhead: {1 - cpu['no-log'] / cpu['log+detect']:.1%} (CPU), "
          f"{1 - paired['log+detect']:.1%} (wall)")
    return 0 if cpu_overhead <= 0.10 else 1


if __name__ == "__main__":
    sys.exit(main())
