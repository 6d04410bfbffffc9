"""Image moderation benchmark: images/s and p50 latency for a 640x480 image, in-process and over HTTP.

    python benchmarks/images.py             # ~1 minute on 2 loaded cores
    python benchmarks/images.py --n 20      # quicker

Needs the `images` extra (nudenet). The image is a 640x480 photo-like JPEG (smooth gradients plus
noise, ~60 KB), sent as a data: URL. Figures, each measured in this same run:
  * decode      - data: URL -> RGB (base64 + Pillow), the part every image pays before any model;
  * nudenet     - decode + NudeNet detector (the image model), in-process, one image at a time;
  * HTTP text   - baseline: a text-only request to the same app (text model = a constant fake);
  * HTTP image  - a request with one text part and one image part, through uvicorn on loopback.
The difference of the two HTTP rows is what an image adds to a request.
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import base64  # noqa: E402

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from PIL import Image  # noqa: E402

from flagstone.images.decode import decode_image, parse_data_url  # noqa: E402
from flagstone.images.nudenet_model import NudeNetModel  # noqa: E402
from flagstone.models.fakes import ConstantModel  # noqa: E402
from flagstone.serving.app import create_app  # noqa: E402
from flagstone.settings import Settings  # noqa: E402


def photo_like(width: int = 640, height: int = 480) -> bytes:
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x / width * 255, y / height * 255, (x + y) / (width + height) * 255], axis=-1)
    pixels = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def timed(fn: Callable[[], object], n: int, warmup: int = 2) -> tuple[float, float]:
    """(items/s, p50 ms) over ``n`` sequential calls after ``warmup``."""
    for _ in range(warmup):
        fn()
    lat = []
    start = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        fn()
        lat.append(time.perf_counter() - t)
    return n / (time.perf_counter() - start), statistics.median(lat) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=50, help="calls per figure")
    args = ap.parse_args()
    jpeg = photo_like()
    url = f"data:image/jpeg;base64,{base64.b64encode(jpeg).decode()}"
    model = NudeNetModel()

    def decode():
        return decode_image(parse_data_url(url, max_bytes=20_000_000, param="p"), max_pixels=40_000_000, param="p")

    rows = [("decode (in-process)",) + timed(decode, args.n),
            ("decode + nudenet (in-process)",) + timed(lambda: model.predict_proba([decode()]), args.n)]

    settings = Settings(data_dir=Path("/tmp/flagstone-bench-images"), model_dir=Path("/nonexistent"),
                        request_log_enabled=False)
    app = create_app(settings, model=ConstantModel(0.1, name="constant-text"), image_model=model)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}/v1/moderations"
    text_body = {"input": [{"type": "text", "text": "a photo of my holiday"}]}
    image_body = {"input": [*text_body["input"], {"type": "image_url", "image_url": {"url": url}}]}
    with httpx.Client(timeout=30) as client:
        def post(body):
            r = client.post(base, json=body)
            r.raise_for_status()
        rows.append(("HTTP text only (baseline)",) + timed(lambda: post(text_body), args.n))
        rows.append(("HTTP text + 640x480 image",) + timed(lambda: post(image_body), args.n))
    server.should_exit = True
    thread.join(10)

    print(f"640x480 JPEG, {len(jpeg)} bytes; n={args.n} sequential calls per row; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'':34s} {'items/s':>9s} {'p50 ms':>9s}")
    for name, rate, p50 in rows:
        print(f"{name:34s} {rate:9.1f} {p50:9.1f}")
    print(f"an image adds {rows[3][2] - rows[2][2]:.1f} ms p50 to a request "
          f"({rows[1][2]:.1f} ms of it decode + model)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
