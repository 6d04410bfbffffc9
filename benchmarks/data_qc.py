"""QC on a synthetic dataset with planted problems: wall time, and precision / recall per detector.

    python benchmarks/data_qc.py --items 100000
    python benchmarks/data_qc.py --items 5000          # quick run

The dataset is imported through the real importer into a throwaway SQLite store, then
``flagstone.data.qc.report.run_qc`` runs every detector. Texts are 14-30 random words; ``hate``
positives carry three words from a small slur-like vocabulary, so the label is learnable. Planted:

* exact duplicates: a copy of an item differing only in case and punctuation (``--dup-rate``);
* near duplicates: a copy with one word replaced (``--dup-rate``);
* conflicts: the same text twice in the file with opposite labels (``--conflict-rate``);
* flipped labels: ``--flip-rate`` of the remaining items get the wrong label.

Baselines in the same run: exact string equality for duplicates (what a plain ``DISTINCT`` finds)
and, for label errors, flagging the same number of items at random (expected precision = flip rate).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

# 3000 pronounceable filler words (letters only: digits would exercise leetspeak normalisation).
_SYL = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
WORDS = sorted({a + b + c for a in _SYL[:20] for b in _SYL[20:40] for c in _SYL[40:48]})[:3000]
SLURS = ["vermin", "scum", "subhuman", "parasites", "filth", "savages", "degenerates", "animals"]


def _tag(i: int) -> str:
    """A letters-only unique suffix."""
    out = ""
    while True:
        i, r = divmod(i, 26)
        out += chr(97 + r)
        if i == 0:
            return out


def sentence(rng: random.Random, positive: bool) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(14, 30))]
    if positive:
        for _ in range(3):
            words.insert(rng.randrange(len(words)), rng.choice(SLURS))
    return " ".join(words)


def build(n: int, dup_rate: float, conflict_rate: float, flip_rate: float, seed: int):
    rng = random.Random(seed)
    rows: list[dict] = []
    planted = {"exact": [], "near": [], "conflict": [], "flipped": []}
    n_dup = int(n * dup_rate)
    n_conf = int(n * conflict_rate)
    base_n = n - 2 * n_dup - n_conf
    for i in range(base_n):
        pos = rng.random() < 0.3
        rows.append({"text": sentence(rng, pos) + f" id{_tag(i)}", "hate": int(pos)})
    order = list(range(base_n))
    rng.shuffle(order)
    for j in order[:n_dup]:  # exact (loose) duplicates
        src = rows[j]
        copy = src["text"].upper() + "!"
        rows.append({"text": copy, "hate": src["hate"]})
        planted["exact"].append((src["text"], copy))
    for j in order[n_dup:2 * n_dup]:  # near duplicates: one word replaced
        src = rows[j]
        words = src["text"].split()
        k = rng.randrange(len(words) - 1)
        words[k] = rng.choice(WORDS)
        copy = " ".join(words)
        rows.append({"text": copy, "hate": src["hate"]})
        planted["near"].append((src["text"], copy))
    for i in range(n_conf):  # the same text twice with opposite labels
        pos = rng.random() < 0.5
        text = sentence(rng, pos) + f" cf{_tag(i)}"
        rows += [{"text": text, "hate": 1}, {"text": text, "hate": 0}]
        planted["conflict"].append(text)
    touched = set(order[:2 * n_dup])
    clean = [j for j in range(base_n) if j not in touched]
    for j in rng.sample(clean, int(n * flip_rate)):
        rows[j]["hate"] = 1 - rows[j]["hate"]
        planted["flipped"].append(rows[j]["text"])
    rng.shuffle(rows)
    return rows, planted


def pr(found: set, truth: set) -> tuple[float, float]:
    tp = len(found & truth)
    return (tp / len(found) if found else float("nan")), (tp / len(truth) if truth else float("nan"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--dup-rate", type=float, default=0.01)
    ap.add_argument("--conflict-rate", type=float, default=0.005)
    ap.add_argument("--flip-rate", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()

    from flagstone.data.importer import import_file
    from flagstone.data.mapping import parse_mapping
    from flagstone.data.qc.report import run_qc
    from flagstone.data.relabel import apply_policy
    from flagstone.policy.versions import import_policy
    from flagstone.settings import DEFAULT_POLICY_PATH
    from flagstone.store.testing import temp_store
    from flagstone.text.normalize import text_key

    rows, planted = build(args.items, args.dup_rate, args.conflict_rate, args.flip_rate, args.seed)
    mapping = parse_mapping({"name": "bench-qc", "columns": {"text": "text"},
                             "labels": [{"column": "hate", "category": "hate", "positive": [1], "negative": [0]}]})
    with tempfile.TemporaryDirectory() as tmp, temp_store("sqlite", Path(tmp)) as store:
        f = Path(tmp) / "planted.jsonl"
        f.write_text("".join(json.dumps(r) + "\n" for r in rows))
        v, _ = import_policy(store, DEFAULT_POLICY_PATH)
        apply_policy(store, v.hash)
        t = time.perf_counter()
        imp = import_file(store, f, "planted", mapping)
        t_import = time.perf_counter() - t
        t = time.perf_counter()
        report = run_qc(store, "planted")
        t_qc = time.perf_counter() - t
    d, keys = report.details, report.details["_keys"]
    texts = report.details["_texts"]
    print(f"{len(rows):,} rows -> {imp.new_items:,} items; import {t_import:.1f} s; qc wall {t_qc:.1f} s")
    print("qc stage timings (s): " + ", ".join(f"{k} {v}" for k, v in report.timings.items()))

    def pairs_of(groups) -> set[frozenset]:
        out = set()
        for g in groups:
            out |= {frozenset((keys[a], keys[b])) for i, a in enumerate(g) for b in g[i + 1:]}
        return out

    figures = {}
    exact_found = pairs_of(d["exact"])
    near_found = {frozenset((keys[a], keys[b])) for a, b, _ in d["near"]}
    truth_exact = {frozenset((text_key(a), text_key(b))) for a, b in planted["exact"]}
    truth_near = {frozenset((text_key(a), text_key(b))) for a, b in planted["near"]}
    figures["exact duplicates"] = pr(exact_found, truth_exact)
    figures["near duplicates"] = pr(near_found, truth_near)
    figures["all duplicates"] = pr(exact_found | near_found, truth_exact | truth_near)
    figures["conflicts"] = pr({keys[i] for i in d["conflicts"].get("hate", [])},
                              {text_key(t) for t in planted["conflict"]})
    found_flips = {keys[i] for i in d["label_errors"].get("hate", [])}
    truth_flips = {text_key(t) for t in planted["flipped"]}
    figures["flipped labels (confident learning)"] = pr(found_flips, truth_flips)
    # Baselines, same data.
    by_text: dict[str, list[int]] = {}
    for i, tx in enumerate(texts):
        by_text.setdefault(tx, []).append(i)
    figures["baseline: exact string match, all duplicates"] = pr(
        pairs_of([g for g in by_text.values() if len(g) > 1]), truth_exact | truth_near)
    rnd = random.Random(1).sample(keys, min(len(keys), len(found_flips)))
    figures["baseline: random flags, flipped labels"] = pr(set(rnd), truth_flips)
    print(f"{'detector':<48}{'found':>8}{'planted':>9}{'precision':>11}{'recall':>8}")
    counts = {"exact duplicates": (len(exact_found), len(truth_exact)),
              "near duplicates": (len(near_found), len(truth_near)),
              "all duplicates": (len(exact_found | near_found), len(truth_exact | truth_near)),
              "conflicts": (len(d["conflicts"].get("hate", [])), len(planted["conflict"])),
              "flipped labels (confident learning)": (len(found_flips), len(truth_flips))}
    for name, (p, r) in figures.items():
        found, truth = counts.get(name, ("", ""))
        print(f"{name:<48}{found!s:>8}{truth!s:>9}{p:>11.3f}{r:>8.3f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"items": imp.new_items, "qc_seconds": t_qc, "timings": report.timings,
                                               "figures": figures}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
