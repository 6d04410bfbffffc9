"""Hand-written pieces against the libraries issue 20 names: progress bar (tqdm), MinHash LSH
(datasketch), token bucket (limits). Prints per-operation costs and what each side gives.

    pip install datasketch limits   # not project dependencies; tqdm comes with the train extra
    python benchmarks/handwritten_vs_libraries.py [--texts 3000]
"""

from __future__ import annotations

import argparse
import io
import random
import time


def _texts(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(3000)]
    base = [" ".join(rng.choices(words, k=rng.randint(8, 40))) for _ in range(n // 2)]
    # Half near-duplicates: one word changed.
    dup = [" ".join(w if rng.random() > 0.05 else "zz" for w in t.split()) for t in base]
    return base + dup


def progress(n: int = 200_000) -> None:
    from tqdm import tqdm

    from flagstone.cli._progress import Progress

    for name, make in (("flagstone Progress", lambda s: Progress(n, "x", stream=s)),
                       ("tqdm", lambda s: tqdm(total=n, file=s, mininterval=0.1))):
        stream = io.StringIO()
        t = time.perf_counter()
        with make(stream) as bar:
            for _ in range(n):
                bar.update(1)
        print(f"progress  {name:<22} {1e9 * (time.perf_counter() - t) / n:8.0f} ns/update")


def minhash(n: int) -> None:
    from datasketch import MinHash, MinHashLSH

    from flagstone.data.minhash import near_duplicate_pairs, signatures

    texts = _texts(n)
    t = time.perf_counter()
    pairs = near_duplicate_pairs(signatures(texts), 0.8)
    ours = time.perf_counter() - t
    t = time.perf_counter()
    lsh, sigs = MinHashLSH(threshold=0.8, num_perm=64), []
    for i, text in enumerate(texts):
        m = MinHash(num_perm=64)
        s = " ".join(text.casefold().split())
        m.update_batch([s[j:j + 5].encode() for j in range(max(1, len(s) - 4))])
        lsh.insert(str(i), m)
        sigs.append(m)
    found = {tuple(sorted((i, int(j)))) for i, m in enumerate(sigs) for j in lsh.query(m) if int(j) != i}
    theirs = time.perf_counter() - t
    print(f"minhash   flagstone (numpy)      {1e6 * ours / n:8.0f} us/text  {len(pairs)} pairs")
    print(f"minhash   datasketch MinHashLSH  {1e6 * theirs / n:8.0f} us/text  {len(found)} candidate pairs")


def ratelimit(n: int = 200_000) -> None:
    from limits import RateLimitItemPerSecond, storage, strategies

    from flagstone.abuse.ratelimit import MemoryRateLimiter

    rl = MemoryRateLimiter(capacity=1e9, rate=1e9)
    keys = [f"k{i % 1000}" for i in range(n)]
    t = time.perf_counter()
    for k in keys:
        rl.acquire(k)
    ours = time.perf_counter() - t
    for strat in (strategies.MovingWindowRateLimiter, strategies.FixedWindowRateLimiter):
        lim, item = strat(storage.MemoryStorage()), RateLimitItemPerSecond(10**9)
        t = time.perf_counter()
        for k in keys:
            lim.hit(item, k)
        print(f"ratelimit limits {strat.__name__:<30} {1e9 * (time.perf_counter() - t) / n:8.0f} ns/acquire")
    print(f"ratelimit flagstone MemoryRateLimiter (bucket) {1e9 * ours / n:8.0f} ns/acquire")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--texts", type=int, default=3000)
    args = ap.parse_args()
    progress()
    minhash(args.texts)
    ratelimit()


if __name__ == "__main__":
    main()
