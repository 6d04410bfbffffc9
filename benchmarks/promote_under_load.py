"""Promotion and rollback under load: 32 concurrent clients, zero failed requests.

    python benchmarks/promote_under_load.py                 # two keyword artifacts, 2 x 8 s
    python benchmarks/promote_under_load.py --clients 32 --seconds 10 --model-dir src/flagstone/models/default

A server (create_app, registry_poll_seconds=0.05) follows the registry's production pointer. The
same load runs twice in this process: a baseline phase with no registry moves, then a phase where
the production model is promoted and rolled back every ``--every`` seconds. For each phase it prints
requests, failed requests, throughput and p50/p99 latency, and the number of live swaps the server
made. ``--model-dir`` makes one of the two versions a real artifact (e.g. the shipped default model).
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from flagstone.models.kinds import write_manifest  # noqa: E402
from flagstone.registry.store import ModelRegistry  # noqa: E402
from flagstone.serving.app import create_app  # noqa: E402
from flagstone.settings import Settings  # noqa: E402
from flagstone.store import open_store  # noqa: E402

TEXTS = ["I will hurt you", "have a nice day", "we should kill them", "the weather is lovely today"]


def keyword_artifact(d: Path, words: list[str], name: str) -> Path:
    d.mkdir(parents=True)
    write_manifest(d, {"files": {}, "kind": "keyword", "name": name, "keywords": {"violence": words}})
    return d


def client(port: int, stop: threading.Event, lat: list, fails: list, models: dict) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = 0
    while not stop.is_set():
        body = json.dumps({"input": TEXTS[i % len(TEXTS)]})
        i += 1
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/v1/moderations", body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            if resp.status != 200:
                fails.append(resp.status)
                continue
            lat.append(time.perf_counter() - t0)
            m = json.loads(data)["model"]
            models[m] = models.get(m, 0) + 1
        except Exception as exc:
            fails.append(repr(exc))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.close()


def phase(port: int, n: int, seconds: float, mover=None) -> dict:
    stop, lat, fails, models = threading.Event(), [], [], {}
    threads = [threading.Thread(target=client, args=(port, stop, lat, fails, models)) for _ in range(n)]
    for t in threads:
        t.start()
    t0 = time.monotonic()
    moves = mover(t0 + seconds) if mover else 0
    time.sleep(max(0.0, t0 + seconds - time.monotonic()))
    stop.set()
    for t in threads:
        t.join()
    lat.sort()
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [float("nan")] * 99
    return {"requests": len(lat) + len(fails), "failed": len(fails), "rps": len(lat) / seconds,
            "p50_ms": q[49] * 1e3, "p99_ms": q[98] * 1e3, "moves": moves, "models": models}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--every", type=float, default=0.5, help="seconds between registry moves")
    ap.add_argument("--model-dir", help="a real artifact to use as version B (default: a keyword model)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="flagstone-promote-"))
    try:
        settings = Settings(data_dir=tmp / "state", model_dir=tmp / "none", registry_poll_seconds=0.05,
                            image_model=None, request_log_enabled=False)
        reg = ModelRegistry(open_store(settings))
        a = reg.register(keyword_artifact(tmp / "a", ["hurt", "kill"], "kw-a"), actor="bench")
        b_path = Path(args.model_dir) if args.model_dir else keyword_artifact(tmp / "b", ["kill"], "kw-b")
        b = reg.register(b_path, actor="bench")
        reg.move(a.short, "production", actor="bench")

        def mover(until: float) -> int:
            n = 0
            while time.monotonic() + args.every < until:
                time.sleep(args.every)
                if n % 2 == 0:
                    reg.move(b.short, "production", actor="bench", reason="benchmark promote")
                else:
                    reg.rollback(actor="bench", reason="benchmark rollback")
                n += 1
            return n

        import uvicorn

        app = create_app(settings)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        th = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        th.start()
        deadline = time.monotonic() + 120
        while not (server.started and app.state.models.ready):
            if time.monotonic() > deadline:
                raise SystemExit("server did not become ready")
            time.sleep(0.05)
        if args.model_dir:  # load B once up front so the first promotion is not a cold load
            reg.move(b.short, "production", actor="bench", reason="warm-up")
            while app.state.registry_watcher.swaps < 2:
                time.sleep(0.05)
            reg.rollback(actor="bench", reason="warm-up")
            while app.state.registry_watcher.swaps < 3:
                time.sleep(0.05)
        swaps0 = app.state.registry_watcher.swaps
        base = phase(port, args.clients, args.seconds)
        moving = phase(port, args.clients, args.seconds, mover)
        swaps = app.state.registry_watcher.swaps - swaps0
        server.should_exit = True
        th.join(timeout=30)
        reg.store.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"clients {args.clients}, {args.seconds:g} s per phase, registry move every {args.every:g} s")
    print(f"{'phase':<20}{'requests':>10}{'failed':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'moves':>7}  served by")
    for name, r in (("baseline (no moves)", base), ("promote/rollback", moving)):
        served = ", ".join(f"{m}: {c}" for m, c in sorted(r["models"].items()))
        print(f"{name:<20}{r['requests']:>10}{r['failed']:>8}{r['rps']:>9.0f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}"
              f"{r['moves']:>7}  {served}")
    print(f"live swaps by the server during the moving phase: {swaps}")
    return 1 if base["failed"] or moving["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
