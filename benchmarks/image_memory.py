"""Memory under large-image requests: the server's RSS before and after, against `flagstone serve`.

    python benchmarks/image_memory.py              # ~1 minute on 2 loaded cores
    python benchmarks/image_memory.py --model fake-red   # without nudenet (the `images` extra)

Starts `flagstone serve` on a free loopback port (the shipped text model, the image model given,
a temporary data dir) and measures its resident memory (VmRSS) and peak (VmHWM) from /proc:
  * attack  - issue 19's: two concurrent requests, each a text part and eight 6000x6000 single-colour
              PNGs (~1.3 MB of request, 864 MB of RGB if decoded). Refused from the headers by the
              per-request pixel budget (image_max_request_pixels), before any pixel is decoded.
  * allowed - four concurrent requests, each one 6000x6000 PNG (within the budget): decoded and scored,
              at most image_decode_concurrency requests at a time.
Before the budget, the attack drove the server to 2.15 GB for one request and 3.9 GB for two.
Linux only (/proc).
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from PIL import Image

REPO = Path(__file__).resolve().parents[1]


def host() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    return (f"{cpu}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}, Python "
            f"{platform.python_version()}, Pillow {Image.__version__}")


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of ``pid`` in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                  if ":" in line)
    return tuple(int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))  # type: ignore[return-value]


def png_data_url(size: tuple[int, int]) -> str:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, data_dir: str, image_model: str) -> subprocess.Popen:
    env = dict(os.environ, FLAGSTONE_DATA_DIR=data_dir, FLAGSTONE_IMAGE_MODEL=image_model)
    proc = subprocess.Popen([sys.executable, "-m", "flagstone.cli.main", "serve", "--port", str(port),
                             "--log-level", "warning"], env=env, cwd=REPO)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"flagstone serve exited with {proc.returncode}")
        time.sleep(0.5)
    proc.kill()
    raise SystemExit("flagstone serve was not ready after 180 s")


def fire(url: str, body: dict, n: int) -> list[tuple[int, str]]:
    def one(_: int) -> tuple[int, str]:
        resp = httpx.post(url, json=body, timeout=300)
        detail = resp.json().get("error", {}).get("message", "") if resp.status_code != 200 else "scored"
        return resp.status_code, detail

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="nudenet", help="image model registry name (default nudenet)")
    args = parser.parse_args()
    print(f"host: {host()}")
    big = png_data_url((6000, 6000))
    print(f"one 6000x6000 single-colour PNG: {len(big) * 3 // 4 / 1e6:.2f} MB as a data: URL")
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        proc = start_server(port, data_dir, args.model)
        url = f"http://127.0.0.1:{port}/v1/moderations"
        try:
            # Warm up: the image model loads on the first image request.
            warm = fire(url, {"input": [{"type": "image_url", "image_url": {"url": png_data_url((64, 48))}}]}, 1)
            rss, hwm = memory_mb(proc.pid)
            print(f"server ready and warm ({warm[0][0]}): RSS {rss:.0f} MB, peak {hwm:.0f} MB")
            scenarios = [
                ("attack: 2 concurrent requests x 8 images of 6000x6000", 2,
                 [{"type": "text", "text": "look"}] + [{"type": "image_url", "image_url": {"url": big}}] * 8),
                ("allowed: 4 concurrent requests x 1 image of 6000x6000", 4,
                 [{"type": "text", "text": "look"}, {"type": "image_url", "image_url": {"url": big}}]),
            ]
            for name, n, parts in scenarios:
                before, _ = memory_mb(proc.pid)
                t0 = time.perf_counter()
                results = fire(url, {"input": parts}, n)
                seconds = time.perf_counter() - t0
                rss, hwm = memory_mb(proc.pid)
                print(f"{name}: {seconds:.1f} s; RSS {before:.0f} -> {rss:.0f} MB, peak so far {hwm:.0f} MB")
                for status, detail in sorted(set(results)):
                    print(f"    {results.count((status, detail))} x HTTP {status}: {detail[:160]}")
            print(f"peak RSS of the server over the run: {memory_mb(proc.pid)[1]:.0f} MB (limit asked: 1024)")
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
