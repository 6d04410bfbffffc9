"""Active-learning simulation on public data: labels needed per strategy against random sampling.

The pool is the Jigsaw toxic-comments subset (labels act as the oracle; class B licence, see
``<data-dir>/README.md``). 30% is held out as the dev set. Features are hashed char n-grams (TF-IDF),
by default reduced to a 256-d LSA (SVD) so that a run fits a shared 2-core machine (``--features
ngrams`` keeps them sparse); the learner is one logistic regression per category; the diversity
strategy uses 64 SVD dimensions as embeddings. Every strategy starts from the same
random seed set and buys ``--batch`` labels per round up to ``--max-labels``; each run is repeated
over ``--repeats`` seeds and averaged.

Target per category: each of ``--targets`` x the dev AUPRC of a model trained on the whole pool.
Figures: labels to reach the target (and the ratio to random; the spread over repeats), positives per
100 labels found over the first ``--at`` labels (and the ratio to random), and a summary of both targets
for the rarest categories (pool prevalence below 5%). Writes ``al_simulation.md``, ``al_simulation.png``
and the raw curves ``al_simulation_curves.json`` (``--from-curves`` re-renders without recomputing).

Parameters are chosen with ``--tune``, which splits the pool itself into a pool and a tuning dev set and
never reads the evaluation dev set; ``--variant LABEL=STRATEGY:K=V,...`` runs a strategy with other
parameters under its own label.

    python benchmarks/al_simulation.py --data-dir datasets --out benchmarks/results
    python benchmarks/al_simulation.py --data-dir datasets --out /tmp/tune --tune \\
        --strategies random,rare --variant mix=hybrid:hunt_positives=0,hunt_share=0.5

``--data-dir`` is any folder holding ``jigsaw-toxic-comments-subset/`` (the repo's ``datasets/`` copy or
``../shared/datasets``). Needs scikit-learn and, for the plot, matplotlib (``pip install -e .[data,bench]``).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize as l2

from flagstone.active.simulation import dev_auprc, fit_predict, simulate

# Jigsaw column -> the closest category of the project's taxonomy (for the table only).
COLUMNS = {"toxic": "(any toxicity)", "severe_toxic": "(severe toxicity)", "obscene": "sexual (weak)",
           "threat": "harassment/threatening", "insult": "harassment", "identity_hate": "hate"}
MAX_CHARS = 600  # long comments add cost, not signal, to char n-grams
STRATEGIES = ("random", "uncertainty", "rare", "diversity", "hybrid")
RARE = 0.05  # "the rarest categories" of the target: pool prevalence below this (the rare strategies' rare_max)


def load(data_dir: Path, limit: int | None) -> tuple[list[str], np.ndarray]:
    path = data_dir / "jigsaw-toxic-comments-subset" / "jigsaw_toxic_comment_subset.csv"
    if not path.is_file():
        sys.exit(f"error: {path} not found (pass --data-dir pointing at the public datasets folder)")
    texts, rows = [], []
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            texts.append(row["comment_text"][:MAX_CHARS])
            rows.append([int(row[c]) for c in COLUMNS])
    Y = np.array(rows, dtype=np.int64)
    if limit:
        texts, Y = texts[:limit], Y[:limit]
    return texts, Y


def mean_curve(curves: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = np.array(curves[0]["n_labels"])
    auprc = np.mean([np.array(c["auprc"]) for c in curves], axis=0)
    pos = np.mean([np.array(c["positives"]) for c in curves], axis=0)
    return n, auprc, pos


def first_reach(n: np.ndarray, auprc: np.ndarray, j: int, target: float) -> int | None:
    hit = np.flatnonzero(auprc[:, j] >= target)
    return int(n[hit[0]]) if len(hit) else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    ap.add_argument("--batch", type=int, default=25)
    ap.add_argument("--seed-size", type=int, default=100)
    ap.add_argument("--max-labels", type=int, default=1500)
    ap.add_argument("--random-max-labels", type=int, default=3000,
                    help="random goes on this far, so that 'x fewer than random' is more often a value, not a bound")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--targets", default="0.8,0.9", help="targets as fractions of the full-pool dev AUPRC")
    ap.add_argument("--from-curves", type=Path, help="re-render the table and plot from a saved curves JSON")
    ap.add_argument("--at", type=int, default=500, help="positives per 100 labels over the first N labels")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N rows (smoke runs)")
    ap.add_argument("--strategies", default=",".join(STRATEGIES))
    ap.add_argument("--variant", action="append", default=[], metavar="LABEL=STRATEGY:K=V,K=V",
                    help="also run a strategy with parameters under its own label (repeatable)")
    ap.add_argument("--tune", action="store_true",
                    help="split the pool itself into a pool and a tuning dev set; the dev set is never read")
    ap.add_argument("--features", choices=("lsa", "ngrams"), default="lsa",
                    help="lsa: SVD of the hashed char n-grams (fast); ngrams: the sparse n-grams themselves")
    ap.add_argument("--lsa-dims", type=int, default=256)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    data = json.loads(args.from_curves.read_text()) if args.from_curves else run(args)
    means = {s: mean_curve(cs) for s, cs in data["curves"].items()}
    prev, ceiling = np.array(data["prevalence"]), np.array(data["ceiling"])
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.from_curves:
        (args.out / "al_simulation_curves.json").write_text(json.dumps(data), encoding="utf-8")
    fracs = [float(f) for f in args.targets.split(",")] + ([None] if "random" in means else [])
    cats = tuple(data["categories"])
    spread = {s: [mean_curve([c]) for c in cs] for s, cs in data["curves"].items()}
    tables = [render_table(means, cats, prev, ceiling, f, data["meta"], args.at, spread) for f in fracs]
    if "random" in means and len(means) > 1:
        tables.insert(0, render_summary(means, cats, prev, ceiling, fracs[:-1], data["meta"], args.at))
    (args.out / "al_simulation.md").write_text("\n".join(tables), encoding="utf-8")
    plot(means, tuple(data["categories"]), float(args.targets.split(",")[0]) * ceiling, prev,
         args.out / "al_simulation.png")
    print("\n".join(tables))
    print(f"wrote {args.out}/al_simulation.md, .png and _curves.json in {time.perf_counter() - t0:.0f}s")
    return 0


def run(args) -> dict:
    t0 = time.perf_counter()
    texts, Y = load(args.data_dir, args.limit)
    cats = tuple(COLUMNS)
    X = TfidfTransformer(sublinear_tf=True).fit_transform(
        HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), n_features=2**17, alternate_sign=False,
                          norm=None).transform(texts)).tocsr()
    if args.features == "lsa":  # dense LSA: ~20x cheaper rounds than the sparse n-grams, same for every strategy
        X = l2(TruncatedSVD(args.lsa_dims, random_state=0).fit_transform(X))
        emb = X[:, :64]
    else:
        emb = l2(TruncatedSVD(64, random_state=0).fit_transform(X))
    split = np.random.default_rng(12345).random(len(texts)) < 0.3
    dev, pool = np.flatnonzero(split), np.flatnonzero(~split)
    if args.tune:  # choose parameters here: the pool split again, the evaluation dev set left unread
        inner = np.random.default_rng(54321).random(len(pool)) < 0.3
        dev, pool = pool[inner], pool[~inner]
    Xp, Yp, Xd, Yd, Ep = X[pool], Y[pool], X[dev], Y[dev], emb[pool]
    [S_full] = fit_predict(Xp, Yp, [Xd])
    ceiling = dev_auprc(Yd, S_full)
    print(f"pool {len(pool)}, dev {len(dev)}; featurised in {time.perf_counter() - t0:.1f}s", flush=True)
    curves: dict[str, list[dict]] = {}
    runs = {s: (s, {}) for s in args.strategies.split(",") if s} | dict(parse_variant(v) for v in args.variant)
    for label, (s, params) in runs.items():
        for r in range(args.repeats):
            seed_idx = np.random.default_rng(r).choice(len(pool), args.seed_size, replace=False)
            t = time.perf_counter()
            mx = max(args.max_labels, args.random_max_labels) if s == "random" else args.max_labels
            c = simulate(s, Xp, Yp, Xd, Yd, categories=cats, seed_idx=seed_idx, batch_size=args.batch,
                         max_labels=mx, embeddings=Ep, seed=r, **params)
            curves.setdefault(label, []).append({"n_labels": c.n_labels, "auprc": [a.tolist() for a in c.auprc],
                                                 "positives": [p.tolist() for p in c.positives]})
            print(f"  {label} repeat {r}: {time.perf_counter() - t:.1f}s", flush=True)
    meta = {"features": args.features if args.features == "ngrams" else f"lsa-{args.lsa_dims}",
            "pool": len(pool), "batch": args.batch, "seed_size": args.seed_size, "max_labels": args.max_labels,
            "random_max_labels": max(args.max_labels, args.random_max_labels),
            "repeats": args.repeats, "dev": "tuning split of the pool" if args.tune else "dev",
            "params": {label: params for label, (_, params) in runs.items() if params}}
    return {"categories": list(cats), "prevalence": Yp.mean(axis=0).tolist(), "ceiling": ceiling.tolist(),
            "curves": curves, "meta": meta}


def parse_variant(spec: str) -> tuple[str, tuple[str, dict]]:
    """``LABEL=STRATEGY:K=V,K=V`` -> ``(LABEL, (STRATEGY, {K: number}))``."""
    label, _, rest = spec.partition("=")
    strategy, _, kvs = rest.partition(":")
    if not label or not strategy:
        sys.exit(f"error: --variant {spec!r}: expected LABEL=STRATEGY:K=V,K=V")
    params = {}
    for kv in filter(None, kvs.split(",")):
        k, _, v = kv.partition("=")
        params[k] = float(v) if "." in v else int(v)
    return label, (strategy, params)


def _vs_random(means, s: str, j: int, target: float, mx: int) -> tuple[int | None, float | None, bool]:
    """Labels strategy ``s`` needs to reach ``target``; how many times fewer than random; whether that
    ratio is only a lower bound (random never reached the target within the budget)."""
    need = first_reach(*means[s][:2], j, target)
    base = first_reach(*means["random"][:2], j, target)
    return need, ((base or mx) / need if need else None), base is None


def render_summary(means, cats, prev, ceiling, fracs: list[float], meta: dict, at: int) -> str:
    """Each target against the rarest categories: the best strategy, the hybrid, and whether >= 2x is met."""
    mx, rmx = meta["max_labels"], meta.get("random_max_labels", meta["max_labels"])
    rare = [j for j in np.argsort(prev) if prev[j] < RARE]
    lines = ["### The targets, for the rarest categories (pool prevalence below "
             f"{RARE}: {', '.join(cats[j] for j in rare)})", "",
             f"Generated from the mean curves below ({meta.get('dev', 'dev')} set). 'Met' for labels: at least 2x "
             f"fewer labels than random to reach the target; 'at least k' where random never reached it within "
             f"{rmx} labels, so k is a lower bound. Other strategies stop at {mx} labels.", "",
             "| target | category | random needs | best strategy | x fewer than random | hybrid needs "
             "| x fewer (hybrid) | 2x fewer met? |", "|---|---|---|---|---|---|---|---|"]
    for frac in fracs:
        target = frac * ceiling
        for j in rare:
            base = first_reach(*means["random"][:2], j, target[j])
            res = {s: _vs_random(means, s, j, target[j], rmx) for s in means if s != "random"}
            best = min(res, key=lambda s: (res[s][0] or mx + 1, s))
            bn, br, bl = res[best]
            hn, hr, hl = res.get("hybrid", (None, None, False))
            met = "no (no strategy reached it)" if br is None else (
                "yes" if br >= 2 else ("not shown (lower bound below 2)" if bl else "no"))
            if base is not None and base < 2 * meta["seed_size"]:
                met += f" (cannot be: random needs {base}, the seed set alone is {meta['seed_size']})"
            hyb = (hn or f">{mx}") if "hybrid" in means else "-"
            lines.append(f"| {frac} x full pool | {cats[j]} | {base or f'>{rmx}'} | {best} ({bn or f'>{mx}'}) "
                         f"| {_ratio(br, bl)} | {hyb} | {_ratio(hr, hl)} | {met} |")
    lines += ["", f"Positives per 100 labels over the first {at} labels, x random (the other target):", "",
              "| category | " + " | ".join(s for s in means if s != "random") + " |",
              "|---|" + "---|" * (len(means) - 1)]
    for j in rare:
        base = _per100(means["random"], j, at)
        lines.append(f"| {cats[j]} | " + " | ".join(f"{_per100(m, j, at) / base:.1f}x" if base else "-"
                                                   for s, m in means.items() if s != "random") + " |")
    return "\n".join(lines) + "\n"


def _ratio(r: float | None, lower_bound: bool) -> str:
    return "-" if r is None else (f"at least {r:.1f}" if lower_bound else f"{r:.1f}")


def render_table(means, cats, prev, ceiling, frac: float | None, meta: dict, at: int, spread=None) -> str:
    """``frac``: target = frac x full-pool AUPRC; ``None``: target = random's AUPRC after the full budget."""
    mx, rmx = meta["max_labels"], meta.get("random_max_labels", meta["max_labels"])
    target = frac * ceiling if frac is not None else means["random"][1][np.flatnonzero(means["random"][0] <= mx)[-1]]
    title = (f"Target = {frac} x full-pool dev AUPRC" if frac is not None
             else f"Target = random sampling's dev AUPRC after all {mx} labels")
    lines = [f"### {title}", "",
             f"Features {meta.get('features', 'ngrams')}. Pool {meta['pool']} items, batch {meta['batch']}, seed set {meta['seed_size']}, up to {mx} labels, "
             f"random up to {rmx}; mean of {meta['repeats']} repeats, evaluated on the {meta.get('dev', 'dev')} set. '>N': not reached; "
             "'k+': at least k times fewer. Labels to target: where the mean curve first reaches it.", "",
             "| category (taxonomy) | prevalence | target AUPRC | strategy | labels to target | per repeat (min-max) "
             f"| x fewer than random | positives / 100 labels (first {at}) | x random |",
             "|---|---|---|---|---|---|---|---|---|"]
    for j in np.argsort(prev):
        base_n = first_reach(*means["random"][:2], j, target[j]) if "random" in means else None
        base_p = _per100(means["random"], j, at) if "random" in means else None
        for s, m in means.items():
            need = first_reach(m[0], m[1], j, target[j])
            per100 = _per100(m, j, at)
            ratio = f"{(base_n or rmx) / need:.1f}{'+' if base_n is None else ''}" if need else "-"
            smx = rmx if s == "random" else mx
            pr = f"{per100 / base_p:.1f}" if base_p else "-"
            each = sorted(first_reach(r[0], r[1], j, target[j]) or smx + 1 for r in (spread or {}).get(s, []))
            rng = " to ".join(str(x) if x <= smx else f">{smx}" for x in (each[0], each[-1])) if each else "-"
            lines.append(f"| {cats[j]} ({COLUMNS[cats[j]]}) | {prev[j]:.3f} | {target[j]:.3f} (full pool "
                         f"{ceiling[j]:.3f}) | {s} | {need if need else f'>{smx}'} | {rng} | {ratio} | {per100:.1f} "
                         f"| {pr} |")
    return "\n".join(lines) + "\n"


def _per100(m, j: int, at: int) -> float:
    n, _, pos = m
    k = np.flatnonzero(n <= at)[-1]
    return 100.0 * pos[k, j] / n[k]


def plot(means, cats, target, prev, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    order = list(np.argsort(prev))
    fig, axes = plt.subplots(2, 3, figsize=(14, 8), sharex=True)
    for ax, j in zip(axes.ravel(), order, strict=False):
        for s, (n, auprc, _) in means.items():
            ax.plot(n, auprc[:, j], label=s)
        ax.axhline(target[j], color="grey", linestyle="--", linewidth=1)
        ax.set_title(f"{cats[j]} (prevalence {prev[j]:.3f})")
        ax.set_xlabel("labels bought")
        ax.set_ylabel("dev AUPRC")
    axes.ravel()[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
