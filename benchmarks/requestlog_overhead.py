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

``--server``: the overhead as a user sees it. Two real servers (``flagstone serve`` in subprocesses,
the shipped default model, auth on with a key made for the run, rate limits out of reach at 1e9/s)
run side by side, one with the request log on (content "hashed", the shipped detection rules behind
it, as served by default) and one with it off, each on its own SQLite database in a temporary folder.
``wrk`` (HTTP/1.1 keep-alive, a Lua script setting the POST body, varied per request, and the
Authorization header) drives one server at a time at each concurrency for ``--duration`` seconds;
the on/off order alternates from run to run and round to round. Reported per concurrency:

* the median over rounds of the paired throughput ratio on/off (runs back to back), with median req/s
  and p99 latency for each;
* the server process's CPU seconds per request, from ``/proc/<pid>/stat`` read before the run and
  after it, once the server has gone idle again (so a log backlog flushed after wrk stops is charged);
* rows the log wrote against requests handled (a writer that dropped rows would hide its cost).

Exit 0 when the throughput overhead (1 - median paired ratio) is <= 10% at every concurrency and the
log dropped nothing (no "calls dropped" warning, no fewer rows than responses wrk counted). wrk shares
the machine with the server, alike for both; the server not being driven sits idle.
Final figures (about 9 minutes; run on an otherwise quiet machine, without ``nice``):

    python benchmarks/requestlog_overhead.py --server --duration 20 --rounds 6 --concurrency 8,32

Smoke check (about a minute): ``... --server --duration 3 --rounds 2 --warmup 2``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from fastapi.testclient import TestClient

from flagstone.abuse.http import install_abuse
from flagstone.abuse.rules import load_shipped_rules
from flagstone.models.fakes import KeywordModel
from flagstone.serving.app import create_app
from flagstone.settings import Settings

REPO = Path(__file__).resolve().parents[1]
MODES = ("bare", "no-log", "log", "log+detect")
KEYWORDS = {"violence": ["hurt"], "hate": ["vermin"], "harassment": ["idiot"]}


def bench_model(path: str | None):
    """The in-process model: the keyword fake (worst case), or a real artifact with one inference thread
    (no spinning onnxruntime threads, so CPU seconds per request measure work, not waiting)."""
    if path is None:
        return KeywordModel(KEYWORDS, name="bench")
    from flagstone.models.kinds import load_model

    model = load_model(Path(path))
    return model.configure(threads=1) if hasattr(model, "configure") else model


def build(mode: str, tmp: Path, model_path: str | None = None):
    settings = Settings(data_dir=tmp / mode.replace("+", "_"), model_dir=tmp / "none", batch_max_wait_ms=0.0,
                        abuse_enabled=mode != "bare", auth_enabled=mode != "bare",
                        rate_limit_burst=1e9, rate_limit_per_second=1e9,
                        request_log_enabled=mode.startswith("log"), request_log_content="hashed")
    app = create_app(settings, model=bench_model(model_path))
    headers: dict[str, str] = {}
    services = None
    if mode != "bare":
        rules = load_shipped_rules() if mode == "log+detect" else []
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


# ----------------------------------------------------------------------------- --server: real servers + wrk
LUA = r"""
-- POST /v1/moderations with a key; the text varies per request (thread id, counter) like real traffic.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(key)s"
local texts = {
  "see you at the meeting at %%d pm, bring the slides and the budget numbers",
  "thanks for the help yesterday, the garden looks great after %%d hours of work",
  "this is the stupidest idea I have heard in %%d years, you idiot",
  "can you send me the recipe for the cake from saturday? I need it for %%d people",
}
local threads, n = {}, 0  -- `id` is a global, set per thread by setup()
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function request()
  n = n + 1
  local text = string.format(texts[n %% #texts + 1], n) .. " (" .. (id or 0) .. "." .. n .. ")"
  return wrk.format(nil, nil, nil, '{"input": "' .. text .. '"}')
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, ' ..
    '"errors": %%d, "status_errors": %%d}\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end
"""
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    """One `flagstone serve` process with its own data folder, key and wrk script."""

    name: str
    log_on: bool
    folder: Path
    port: int = 0
    proc: subprocess.Popen | None = None
    script: Path = Path()
    runs: dict[int, list[dict]] = field(default_factory=dict)  # concurrency -> measured runs
    counted: int = 0  # responses wrk counted, warm-up included
    in_flight: int = 0  # at most one per connection at each wrk stop: handled, but not counted by wrk

    def start(self) -> None:
        from flagstone.abuse.db import open_engine
        from flagstone.abuse.keys import KeyStore

        self.folder.mkdir(parents=True)
        engine = open_engine(f"sqlite:///{(self.folder / 'flagstone.db').as_posix()}")
        key, _ = KeyStore(engine).create("bench")
        engine.dispose()
        self.script = self.folder / "post.lua"
        self.script.write_text(LUA % {"key": key})
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLAGSTONE_")}  # reproducible
        env.update(FLAGSTONE_DATA_DIR=str(self.folder), FLAGSTONE_AUTH_ENABLED="true",
                   FLAGSTONE_ABUSE_ENABLED="true", FLAGSTONE_RATE_LIMIT_PER_SECOND="1e9",
                   FLAGSTONE_RATE_LIMIT_BURST="1e9", FLAGSTONE_REQUEST_LOG_ENABLED=str(self.log_on).lower(),
                   FLAGSTONE_REQUEST_LOG_CONTENT="hashed")
        cmd = [sys.executable, "-m", "flagstone.cli.main", "serve", "--host", "127.0.0.1",
               "--port", str(self.port), "--log-level", "warning"]
        self.proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                                     stderr=(self.folder / "server.log").open("wb"))

    def wait_ready(self, timeout: float = 300.0) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                break
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        log_tail = (self.folder / "server.log").read_text(errors="replace")[-3000:]
        raise SystemExit(f"server {self.name} did not become ready; its log ends with:\n{log_tail}")

    def cpu_seconds(self) -> float:
        assert self.proc is not None
        stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "; utime and stime are fields 14, 15
        return (int(fields[11]) + int(fields[12])) / TICK

    def settle(self, quiet: float = 0.02, step: float = 0.3, limit: float = 30.0) -> None:
        """Wait until the server is idle: the log writer's backlog (if any) is charged to this run."""
        time.sleep(0.6)  # longer than the writer's flush interval (0.5 s)
        end, last = time.time() + limit, self.cpu_seconds()
        while time.time() < end:
            time.sleep(step)
            now = self.cpu_seconds()
            if now - last <= quiet:
                return
            last = now

    def logged_rows(self) -> int:
        from sqlalchemy import create_engine, func, select

        from flagstone.abuse import db

        engine = create_engine(f"sqlite:///{(self.folder / 'flagstone.db').as_posix()}")
        try:
            with engine.connect() as conn:
                return conn.execute(select(func.count()).select_from(db.requests)).scalar_one()
        finally:
            engine.dispose()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def wrk_run(wrk: str, server: Server, concurrency: int, duration: float, threads: int) -> dict:
    """One wrk run against ``server``; returns req/s, p99 and the server's CPU seconds per request."""
    cpu0 = server.cpu_seconds()
    cmd = [wrk, "-t", str(max(1, min(threads, concurrency))), "-c", str(concurrency), "-d", f"{duration:g}s",
           "--timeout", "30s", "-s", str(server.script), f"http://127.0.0.1:{server.port}/v1/moderations"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH ")), None)
    if out.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({out.returncode}): {out.stdout}\n{out.stderr}")
    res = json.loads(line[len("BENCH "):])
    if res["errors"] or res["status_errors"] or not res["requests"]:
        raise SystemExit(f"{server.name}: {res['requests']} requests, {res['errors']} socket errors, "
                         f"{res['status_errors']} error statuses (see {server.folder / 'server.log'})")
    server.settle()
    # When wrk stops, a connection may have one request in flight that wrk does not count but the server
    # still handles (and logs), so CPU is divided by wrk's count plus one per connection (the same for
    # both servers; it differs from the requests handled by at most a few of them).
    server.counted += res["requests"]
    server.in_flight += concurrency
    return {"rps": res["requests"] / (res["duration_us"] / 1e6), "p99_ms": res["p99_us"] / 1000,
            "cpu_per_req": (server.cpu_seconds() - cpu0) / (res["requests"] + concurrency)}


def server_main(args: argparse.Namespace) -> int:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("--server needs wrk on PATH (Debian: apt-get install wrk)")
    try:
        concurrencies = [int(c) for c in args.concurrency.split(",")]
    except ValueError:
        raise SystemExit(f"--concurrency takes comma-separated integers, got {args.concurrency!r}") from None
    if args.duration <= 0 or any(c < 1 for c in concurrencies):
        raise SystemExit("--duration must be > 0 and every --concurrency >= 1")
    rounds = args.rounds or 5
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="flagstone-rlog-") as d:
        servers = [Server("log off", False, Path(d) / "off"), Server("log on", True, Path(d) / "on")]
        try:
            for s in servers:
                s.start()
            for s in servers:
                s.wait_ready()
            for c in concurrencies:
                for s in servers:
                    wrk_run(wrk, s, c, args.warmup, args.wrk_threads)
            for r in range(rounds):
                for i, c in enumerate(concurrencies):
                    for s in (servers if (r + i) % 2 == 0 else servers[::-1]):
                        s.runs.setdefault(c, []).append(wrk_run(wrk, s, c, args.duration, args.wrk_threads))
            logged = servers[1].logged_rows()
        finally:
            for s in servers:
                s.stop()
        # The writer logs a warning when its queue is full and it drops calls.
        drop_warning = "calls dropped" in (servers[1].folder / "server.log").read_text(errors="replace")
    off, on = servers
    return report_server(args, rounds, concurrencies, off, on, logged, drop_warning, load0)


def report_server(args: argparse.Namespace, rounds: int, concurrencies: list[int], off: Server, on: Server,
                  logged: int, drop_warning: bool, load0: tuple[float, float, float]) -> int:
    def med(s: Server, c: int, key: str) -> float:
        return statistics.median(x[key] for x in s.runs[c])

    print(f"# Request-log overhead, real servers ({rounds} rounds x {args.duration:g} s per wrk run and "
          f"concurrency, {args.wrk_threads} wrk threads; {os.cpu_count()} cores; load average "
          f"{load0[0]:.2f} before, {os.getloadavg()[0]:.2f} after)\n")
    print("| concurrency | log off req/s | log on req/s | paired ratio on/off (median) | throughput overhead | "
          "CPU ms/req off | CPU ms/req on | CPU overhead | p99 ms off | p99 ms on |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    worst = -float("inf")
    ratios = {}
    for c in concurrencies:
        ratios[c] = [a["rps"] / b["rps"] for a, b in zip(on.runs[c], off.runs[c], strict=True)]
        ratio = statistics.median(ratios[c])
        cpu_off, cpu_on = med(off, c, "cpu_per_req"), med(on, c, "cpu_per_req")
        worst = max(worst, 1 - ratio)
        print(f"| {c} | {med(off, c, 'rps'):.1f} | {med(on, c, 'rps'):.1f} | {ratio:.3f} | {1 - ratio:.1%} | "
              f"{cpu_off * 1000:.2f} | {cpu_on * 1000:.2f} | {1 - cpu_off / cpu_on:.1%} | "
              f"{med(off, c, 'p99_ms'):.1f} | {med(on, c, 'p99_ms'):.1f} |")
    print()
    for c in concurrencies:
        rps_off, rps_on = (", ".join(f"{x['rps']:.0f}" for x in s.runs[c]) for s in (off, on))
        print(f"c={c} per-round paired ratios: {', '.join(f'{x:.3f}' for x in ratios[c])}; "
              f"req/s off: {rps_off}; on: {rps_on}")
    dropped = drop_warning or logged < on.counted
    print(f"request log: {logged} rows written; the log-on server handled {on.counted} to "
          f"{on.counted + on.in_flight} requests (wrk's count, plus at most one in flight per connection at each "
          f"stop; warm-up included); {'ROWS DROPPED' if dropped else 'none dropped'}")
    verdict = "MET" if worst <= 0.10 else "NOT MET"
    print(f"\nrequest-log overhead on server throughput: {worst:.1%} at worst over concurrencies "
          f"({verdict}, target <= 10%)")
    return 0 if worst <= 0.10 and not dropped else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=150, help="in-process mode: requests per block")
    ap.add_argument("--rounds", type=int, default=None,
                    help="rounds of interleaved runs (default: 12 in process, 5 with --server)")
    ap.add_argument("--inputs", type=int, default=1, help="in-process mode: texts per request")
    ap.add_argument("--model", help="in-process mode: a model artifact (e.g. src/flagstone/models/default) "
                    "instead of the keyword fake, to see the overhead against real scoring")
    ap.add_argument("--server", action="store_true",
                    help="measure real `flagstone serve` processes with wrk instead of the in-process app")
    ap.add_argument("--duration", type=float, default=15.0, help="--server: seconds per wrk run")
    ap.add_argument("--warmup", type=float, default=5.0, help="--server: seconds of wrk warm-up per server "
                    "and concurrency before the measured rounds")
    ap.add_argument("--concurrency", default="8,32", help="--server: wrk connections, comma-separated")
    ap.add_argument("--wrk-threads", type=int, default=2, help="--server: wrk threads (at most the concurrency)")
    args = ap.parse_args(argv)
    if args.server:
        return server_main(args)
    args.rounds = args.rounds or 12
    with tempfile.TemporaryDirectory() as d:
        apps = {m: build(m, Path(d), args.model) for m in MODES}
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
          f"model {args.model or 'keyword fake'}; load average {os.getloadavg()[0]:.1f}; median requests/s)\n")
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
