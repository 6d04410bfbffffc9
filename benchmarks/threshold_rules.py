"""Threshold rules for a target precision, picked on one half of a recipe's calibration split and read on the other.

    python benchmarks/threshold_rules.py [--recipe recipes/default-finetuned.yaml] [--halvings 20]

Fits the recipe's model (heads, calibration) as ``flagstone train`` does, then for every category with a target
precision and 10+ calibration positives: 20 random halvings of the calibration rows, the threshold chosen on one
half by each rule, precision and recall read on the other. Rules: the lowest score reaching the target (the old
rule, ``recall_slack`` 0), the same with ``recall_slack`` 0.01 / 0.02 / 0.05 (``models/calibration.py:
threshold_for_precision``). Also prints the share of OKTest's benign prompts each rule's full-split thresholds flag.
A few minutes with the recipe's caches warm (benchmarks/results/model_v2.md, "Candidate v4").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def main() -> None:
    from flagstone.models.calibration import threshold_for_precision
    from flagstone.models.multilingual import english_weight
    from flagstone.policy.taxonomy import CATEGORIES
    from flagstone.text.normalize import normalize
    from flagstone.training.fit import fit_model, predict, take, term_frequencies
    from flagstone.training.oof import read_prompts
    from flagstone.training.recipe import load_recipe
    from flagstone.training.train import prepare_training

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--recipe", default=str(REPO / "recipes/default-finetuned.yaml"))
    ap.add_argument("--halvings", type=int, default=20)
    args = ap.parse_args()
    slacks = [0.0, 0.01, 0.02, 0.05]

    lr = load_recipe(Path(args.recipe))
    r = lr.recipe
    p = prepare_training(lr)
    fitted = fit_model(r, p.policy, p.tf, p.dense, p.data.labels, p.weights, p.calib, p.english)
    cal = np.flatnonzero(p.calib)
    probs = predict(fitted, p.tf[cal], take(p.dense, cal), None if p.english is None else p.english[cal])
    labels = p.data.labels[cal]
    rng = np.random.default_rng(0)
    print(f"recipe {lr.path.name}, {len(cal)} calibration rows; held-out half: precision / recall (mean of "
          f"{args.halvings} halvings)")
    print("| category (target P) | positives | " + " | ".join(f"slack {s:g}" for s in slacks) + " |")
    print("|---|---|" + "---|" * len(slacks))
    full: dict[float, dict[str, float]] = {s: {} for s in slacks}
    for j, cat in enumerate(CATEGORIES):
        target = (r.thresholds.get(cat) or p.policy.categories[cat]).target_precision
        rows = labels[:, j] >= 0
        s, y = probs[rows, j], labels[rows, j].astype(float)
        if target is None or y.sum() < 10:
            continue
        cells = []
        halves = [rng.random(len(s)) < 0.5 for _ in range(args.halvings)]
        for slack in slacks:
            prec, rec = [], []
            for a in halves:
                f = s[~a] >= threshold_for_precision(s[a], y[a], target, slack)
                prec.append(y[~a][f].sum() / max(f.sum(), 1))
                rec.append(y[~a][f].sum() / max(y[~a].sum(), 1))
            full[slack][cat] = threshold_for_precision(s, y, target, slack)
            cells.append(f"{np.mean(prec):.3f} / {np.mean(rec):.3f}")
        print(f"| {cat} ({target:g}) | {int(y.sum())} | " + " | ".join(cells) + " |", flush=True)
    if r.evaluation.oktest and lr.resolve(r.evaluation.oktest).is_file():
        texts = [normalize(t) for t in read_prompts(lr.resolve(r.evaluation.oktest))]
        ok = predict(fitted, term_frequencies(r, texts), p.dense_for(texts),
                     None if p.english is None else english_weight(texts))
        for slack in slacks:
            t = np.array([full[slack].get(c, fitted.thresholds_[c]) for c in CATEGORIES])
            print(f"slack {slack:g}: OKTest benign prompts flagged {(ok >= t).any(1).mean():.1%} of {len(texts)}")


if __name__ == "__main__":
    main()
