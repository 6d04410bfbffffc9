"""Import throughput and peak memory: ``flagstone data import`` of a synthetic JSONL file.

    python benchmarks/data_import.py --rows 1000000                 # SQLite, plus PostgreSQL if a URL is set
    python benchmarks/data_import.py --rows 50000 --backends sqlite  # quick run

Each measurement runs in a fresh process (so peak RSS is that import's own), importing into an
empty store through ``flagstone.data.importer.import_file`` with the current policy applied. The
baseline in the same run is the floor every import pays: reading the file, parsing JSON and computing
``text_key`` (normalisation + SHA-256) with no database at all. PostgreSQL is used when
``--pg-url`` or ``FLAGSTONE_TEST_POSTGRES_URL`` is set; it runs in a throwaway schema.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ("the a of and to in is you that it he was for on are as with his they at be this have from or one "
         "had by word but not what all were we when your can said there use an each which she do how their if "
         "will up other about out many then them these so some her would make like him into time has look two "
         "more write go see number no way could people my than first water been call who oil its now find long "
         "down day did get come made may part idiot moron hate kill stupid loser disgusting vermin").split()
MAPPING = """name: bench-import
columns: {text: text, id: id, metadata: [source]}
labels:
  - {column: hate, category: hate, positive: [1], negative: [0]}
  - {column: harassment, category: harassment, positive: [1], negative: [0]}
  - {column: violence, category: violence, threshold: 0.5}
"""


def generate(path: Path, rows: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(rows):
            n = rng.randint(6, 40)
            text = " ".join(rng.choice(WORDS) for _ in range(n)) + f" #{i}"
            row = {"id": f"r{i}", "text": text, "source": rng.choice(["forum", "chat", "mail"]),
                   "hate": rng.random() < 0.1, "harassment": int(rng.random() < 0.2)}
            if rng.random() < 0.5:
                row["violence"] = round(rng.random(), 3)
            fh.write(json.dumps(row) + "\n")


def child(args) -> dict:
    """Runs in its own process; prints one JSON line with the figures."""
    import yaml

    from flagstone.data.mapping import parse_mapping

    mapping = parse_mapping(yaml.safe_load(MAPPING))
    t0 = time.perf_counter()
    if args.backend == "baseline":
        from flagstone.data.readers import iter_rows
        from flagstone.text.normalize import text_key

        n = 0
        for _, row in iter_rows(Path(args.file), "jsonl"):
            text_key(row["text"])
            mapping.labels_for(row)
            n += 1
        result = {"rows": n}
    else:
        from flagstone.data.importer import import_file
        from flagstone.data.relabel import apply_policy
        from flagstone.policy.versions import import_policy
        from flagstone.settings import DEFAULT_POLICY_PATH
        from flagstone.store.testing import temp_store

        with tempfile.TemporaryDirectory() as tmp, temp_store(args.backend, Path(tmp)) as store:
            v, _ = import_policy(store, DEFAULT_POLICY_PATH)
            apply_policy(store, v.hash)
            t0 = time.perf_counter()
            r = import_file(store, args.file, "bench", mapping, workers=args.workers)
            result = {"rows": r.rows_accepted, "new_items": r.new_items, "new_labels": r.new_labels}
    wall = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {**result, "backend": args.backend, "seconds": round(wall, 2),
            "rows_per_s": round(result["rows"] / wall), "peak_rss_mb": round(rss_mb)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--backends", default="sqlite,postgresql", help="comma list: sqlite, postgresql")
    ap.add_argument("--pg-url", default=os.environ.get("FLAGSTONE_TEST_POSTGRES_URL"))
    ap.add_argument("--workers", type=int, default=0, help="keying processes per import (0 = inline)")
    ap.add_argument("--file", help=argparse.SUPPRESS)
    ap.add_argument("--backend", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.backend:
        print(json.dumps(child(args)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "rows.jsonl"
        t = time.perf_counter()
        generate(data, args.rows)
        print(f"generated {args.rows:,} rows ({data.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")
        runs = ["baseline"] + [b for b in args.backends.split(",") if b]
        print(f"{'run':<12}{'rows':>10}{'seconds':>10}{'rows/s':>10}{'peak RSS MB':>13}")
        for backend in runs:
            if backend == "postgresql" and not args.pg_url:
                print(f"{backend:<12} skipped: no --pg-url / FLAGSTONE_TEST_POSTGRES_URL")
                continue
            env = {**os.environ}
            if args.pg_url:
                env["FLAGSTONE_TEST_POSTGRES_URL"] = args.pg_url
            cmd = [sys.executable, __file__, "--file", str(data), "--backend", backend,
                   "--workers", str(args.workers)]
            out = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if out.returncode != 0:
                print(f"{backend:<12} failed:\n{out.stderr[-2000:]}")
                return 1
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{backend:<12}{r['rows']:>10,}{r['seconds']:>10}{r['rows_per_s']:>10,}{r['peak_rss_mb']:>13,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
