"""Would a cascade buy issue 17's throughput target? The multilingual route first, MiniLM only when needed.

    python benchmarks/cascade.py [--model DIR] [--gates 0.05,0.1,0.2,0.3] [--data ../shared/datasets]

The shipped default runs two encoders on every text: MiniLM int8 (the English heads) and the
multilingual USE encoder (its head is one of the English ensemble's three, and alone it scores text
that is not English, with its own calibration). The cascade measured here scores each text with the
cheap part first: the multilingual encoder, the char n-grams and the multilingual route's calibrated
scores. When every category's multilingual score is under ``gate`` x that category's threshold, that
route's scores are the answer and MiniLM never runs; otherwise the full ensemble answers, exactly as
served. ``gate`` 0 is the shipped model.

Quality, full against cascade, on sets the model never trained on (compare_models.py's: toxic-chat,
OLID; plus OKTest's benign prompts and MaliciousInstruct's unsafe requests; plus the functional suite
and the multilingual set), with the paired bootstrap of the AUPRC difference; and cost, measured in
the same run: milliseconds per text for the full model and each cascade, one call per 64 texts, the
same threads. Texts are scored whole (no sentence windows) on both sides, so the comparison is like for
like. Prints the host. Not a test: a decision aid (benchmarks/results/cascade.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "benchmarks"))

from compare_models import load_sets  # noqa: E402

from flagstone.models.ensemble import FINETUNED, calibrate, clip_probs, combine, mix, raw_scores  # noqa: E402
from flagstone.models.features import term_frequency_rows, tfidf_rows  # noqa: E402
from flagstone.models.kinds import load_model  # noqa: E402
from flagstone.models.multilingual import english_weight  # noqa: E402
from flagstone.policy.taxonomy import CATEGORIES  # noqa: E402
from flagstone.text.normalize import normalize  # noqa: E402
from flagstone.training.oof import average_precision, read_prompts  # noqa: E402
from serving import host  # noqa: E402


def cascade_proba(model, texts: list[str], gate: float) -> tuple[np.ndarray, np.ndarray]:
    """(scores, skipped): the cascade's scores for ``texts`` and which texts never reached MiniLM."""
    norm = [normalize(t) for t in texts]
    cfg = model.char_cfg
    feats = {"multilingual": model.multilingual_encoder.encode(norm),
             "char": tfidf_rows(term_frequency_rows(norm, int(cfg.n_features), tuple(cfg.ngram_range)),
                                model.char_idf).tocsr()}  # CSR, so the rows that go on to MiniLM can be taken
    ml = calibrate(combine(model.ml_heads, feats), model.ml_calibrators)
    thr = np.array([model.info.thresholds[c] for c in CATEGORIES])
    skipped = (ml / thr).max(axis=1) < gate
    out = ml.copy()
    todo = np.flatnonzero(~skipped)
    if len(todo):
        sub = {"multilingual": feats["multilingual"][todo], "embedding": model.encoder.encode([norm[i] for i in todo]),
               "char": feats["char"][todo]}
        if model.finetuned_share:  # the fine-tuned encoder is a second MiniLM pass: second stage too
            sub[FINETUNED] = model.finetuned_encoder.encode([norm[i] for i in todo])
        full = calibrate(raw_scores(model.heads, sub, model.finetuned_share), model.calibrators)
        out[todo] = mix(full, ml[todo], english_weight([norm[i] for i in todo]))
    return clip_probs(out), skipped


def score(model, texts: list[str], gate: float, batch: int = 64) -> tuple[np.ndarray, np.ndarray, float]:
    """Scores, skipped mask and seconds, one call per ``batch`` texts (gate 0: the shipped predict_proba)."""
    parts, skips, seconds = [], [], 0.0
    for i in range(0, len(texts), batch):
        chunk = texts[i:i + batch]
        t0 = time.perf_counter()
        if gate > 0:
            p, s = cascade_proba(model, chunk, gate)
        else:
            p, s = model.predict_proba(chunk), np.zeros(len(chunk), bool)
        seconds += time.perf_counter() - t0
        parts.append(p)
        skips.append(s)
    return np.vstack(parts), np.concatenate(skips), seconds


def suite_right(items: list[dict], p: np.ndarray, thr: np.ndarray) -> float:
    right = []
    for item, row in zip(items, p, strict=True):
        flagged = {c for j, c in enumerate(CATEGORIES) if row[j] >= thr[j]}
        must, must_not = set(item.get("must_flag_any") or []), set(item.get("must_not_flag") or [])
        right.append((not must or bool(flagged & must)) and not (flagged & must_not))
    return float(np.mean(right))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(REPO / "src" / "flagstone" / "models" / "default"))
    ap.add_argument("--gates", default="0.05,0.1,0.2,0.3")
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "datasets"))
    ap.add_argument("--bootstrap", type=int, default=300)
    args = ap.parse_args()
    print(f"# host: {host()}", flush=True)
    model = load_model(Path(args.model))
    thr = np.array([model.info.thresholds[c] for c in CATEGORIES])
    data = Path(args.data)
    sets = load_sets(data)
    sets["OKTest, benign prompts flagged"] = (read_prompts(data / "oktest" / "OKTest.csv"), None, "any")
    unsafe = [line.strip() for line in (data / "malicious-instruct" / "MaliciousInstruct.txt").read_text().splitlines()
              if line.strip()]
    sets["MaliciousInstruct, unsafe requests caught"] = (unsafe, None, "any")
    suite = [json.loads(line) for name in ("items.jsonl", "multilingual.jsonl")
             for line in (REPO / "suites" / "functional" / name).read_text().splitlines() if line.strip()]
    sets["functional + multilingual suites, right"] = ([it["text"] for it in suite], None, "suite")
    model.predict_proba(["warm up the encoders"] * 4)
    gates = [0.0] + [float(g) for g in args.gates.split(",")]
    print(f"model {model.info.name}@{model.info.version[:12]}; gates {gates}", flush=True)
    totals = {g: [0.0, 0, 0] for g in gates}  # seconds, texts, skipped
    for name, (texts, y, cat) in sets.items():
        runs = {g: score(model, texts, g) for g in gates}
        for g, (_, skipped, seconds) in runs.items():
            totals[g][0] += seconds
            totals[g][1] += len(texts)
            totals[g][2] += int(skipped.sum())
        print(f"\n{name} ({len(texts)} texts{'' if y is None else f', {int(y.sum())} positive'})")
        if cat == "suite":
            for g, (p, skipped, _) in runs.items():
                print(f"  gate {g:<5} right {suite_right(suite, p, thr):.3f}  skipped {skipped.mean():.2f}")
            continue
        if y is None:
            for g, (p, skipped, _) in runs.items():
                print(f"  gate {g:<5} flagged {(p >= thr).any(axis=1).mean():.3f}  skipped {skipped.mean():.2f}")
            continue
        j = None if cat == "any" else CATEGORIES.index(cat)
        col = {g: (p.max(axis=1) if j is None else p[:, j]) for g, (p, _, _) in runs.items()}
        rng = np.random.default_rng(2)
        draws = [i for i in (rng.integers(0, len(y), len(y)) for _ in range(args.bootstrap)) if y[i].sum()]
        for g, (_, skipped, _) in runs.items():
            line = f"  gate {g:<5} AUPRC {average_precision(col[g], y):.4f}  skipped {skipped.mean():.2f}"
            if g:
                d = [average_precision(col[g][i], y[i]) - average_precision(col[0.0][i], y[i]) for i in draws]
                lo, hi = np.percentile(d, [2.5, 97.5])
                line += f"  minus full {np.mean(d):+.4f} ({lo:+.4f}..{hi:+.4f})"
            print(line, flush=True)
    print("\ncost over all texts above, one call per 64 texts:")
    base = totals[0.0][0] / totals[0.0][1]
    for g, (seconds, n, skipped) in totals.items():
        per = seconds / n
        print(f"  gate {g:<5} {per * 1000:.2f} ms/text  x{base / per:.2f} the full model's throughput  "
              f"skipped {skipped / n:.2f}")


if __name__ == "__main__":
    main()
