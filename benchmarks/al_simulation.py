"""Active-learning simulation on public data: labels needed per strategy against random sampling.

The pool is the Jigsaw toxic-comments subset (labels act as the oracle; class B licence, see
``<data-dir>/README.md``). 30% is held out as the dev set. Features are, by default, those closest to the
shipped model: its MiniLM sentence embeddings (the ONNX encoder in ``models/default``, cached under
``--cache-dir``) beside a 256-d LSA (SVD) of hashed char n-grams (TF-IDF); the learner is one logistic
regression per category; the diversity strategy uses the MiniLM embeddings. ``--features lsa`` is the
char n-grams alone (the earlier, weaker learner; diversity on 64 SVD dimensions), ``ngrams`` keeps them
sparse. Every strategy starts from the same small random seed set (``--seed-size``, a cold start: the
rarest categories may have no positive in it) and buys ``--batch`` labels per round up to
``--max-labels``; each run is repeated over ``--repeats`` seeds and averaged.

Target per category: each of ``--targets`` x the dev AUPRC of a model trained on the whole pool.
Figures: labels to reach the target (and the ratio to random; the spread over repeats), positives per
100 labels found over the first ``--at`` labels (and the ratio to random), and a summary of both targets
for the rarest categories (pool prevalence below 5%). Writes ``al_simulation.md``, ``al_simulation.png``
and the raw curves ``al_simulation_curves.json`` (``--from-curves`` re-renders without recomputing).

Parameters are chosen with ``--tune``, which splits the pool itself into a pool and a tuning dev set and
never reads the evaluation dev set; ``--variant LABEL=STRATEGY:K=V,...`` runs a strategy with other
parameters under its own label.

    python benchmarks/al_simulation.py --data-dir datasets --out benchmarks/results --jobs 2
    python benchmarks/al_simulation.py --data-dir datasets --out /tmp/tune --tune \\
        --strategies random,rare --variant mix=hybrid:hunt_positives=0,hunt_share=0.5

``--data-dir`` is any folder holding ``jigsaw-toxic-comments-subset/`` (the repo's ``datasets/`` copy or
``../shared/datasets``). ``--jobs`` runs repeats side by side in processes (same curves as one process).
Needs scikit-learn, onnxruntime and tokenizers and, for the plot, matplotlib (``pip install -e .[data,bench]``).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
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
ENCODER_DIR = Path(__file__).resolve().parents[1] / "src" / "flagstone" / "models" / "default"
ENCODER_MAX_TOKENS = 256  # as in the shipped model (MODEL_CARD.md)
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
    ap.add_argument("--seed-size", type=int, default=25,
                    help="random labels every strategy starts from (small: a 100-label seed set alone was half of "
                         "what random needed for severe_toxic, so a 2x saving could not be measured)")
    ap.add_argument("--max-labels", type=int, default=1500)
    ap.add_argument("--random-max-labels", type=int, default=3000,
                    help="random goes on this far, so that 'x fewer than random' is more often a value, not a bound")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--targets", default="0.8,0.9", help="targets as fractions of the full-pool dev AUPRC")
    ap.add_argument("--from-curves", type=Path, help="re-render the table and plot from a saved curves JSON")
    ap.add_argument("--at", type=int, default=500, help="positives per 100 labels over the first N labels")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N rows (smoke runs)")
    ap.add_argument("--strategies", default=",".join(STRATEGIES))
    ap.add_argument("--variant", action="append", default=[], metavar="LABEL=STRATEGY:K=V,K=V",
                    help="also run a strategy with parameters under its own label (repeatable)")
    ap.add_argument("--tune", action="store_true",
                    help="split the pool itself into a pool and a tuning dev set; the dev set is never read")
    ap.add_argument("--features", choices=("minilm+lsa", "minilm", "lsa", "ngrams"), default="minilm+lsa",
                    help="minilm+lsa: the shipped MiniLM encoder's embeddings beside an LSA of char n-grams "
                         "(closest to the shipped model); lsa: SVD of the hashed char n-grams alone; ngrams: the "
                         "sparse n-grams themselves")
    ap.add_argument("--cache-dir", type=Path, default=Path(".cache/al_simulation"),
                    help="MiniLM embeddings are cached here (by encoder and text hash)")
    ap.add_argument("--lsa-dims", type=int, default=256)
    ap.add_argument("--jobs", type=int, default=1, help="runs at the same time (processes); results do not change")
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
        tables.insert(0, render_summary(means, cats, prev, ceiling, fracs[:-1], data["meta"], args.at, spread))
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
    X, emb = featurise(texts, args.features, args.lsa_dims, args.cache_dir)
    split = np.random.default_rng(12345).random(len(texts)) < 0.3
    dev, pool = np.flatnonzero(split), np.flatnonzero(~split)
    if args.tune:  # choose parameters here: the pool split again, the evaluation dev set left unread
        inner = np.random.default_rng(54321).random(len(pool)) < 0.3
        dev, pool = pool[inner], pool[~inner]
    Xp, Yp, Xd, Yd, Ep = X[pool], Y[pool], X[dev], Y[dev], emb[pool]
    [S_full] = fit_predict(Xp, Yp, [Xd])
    ceiling = dev_auprc(Yd, S_full)
    print(f"pool {len(pool)}, dev {len(dev)}; featurised in {time.perf_counter() - t0:.1f}s", flush=True)
    runs = {s: (s, {}) for s in args.strategies.split(",") if s} | dict(parse_variant(v) for v in args.variant)
    # Random first: its runs are the longest, so with --jobs > 1 they do not finish last on their own.
    jobs = sorted(((label, s, params, r) for label, (s, params) in runs.items() for r in range(args.repeats)),
                  key=lambda j: j[1] != "random")
    _SHARED.update(Xp=Xp, Yp=Yp, Xd=Xd, Yd=Yd, Ep=Ep, cats=cats, args=args)
    if args.jobs > 1:  # forked workers inherit the features; each run is seeded by its repeat, as in one process
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("fork")) as ex:
            done = list(ex.map(_one_run, jobs))
    else:
        done = [_one_run(job) for job in jobs]
    curves: dict[str, list[dict]] = {label: [] for label in runs}
    for (label, _, _, _), c in sorted(zip(jobs, done, strict=True), key=lambda x: x[0][3]):
        curves[label].append(c)
    meta = {"features": args.features.replace("lsa", f"lsa-{args.lsa_dims}"),
            "pool": len(pool), "batch": args.batch, "seed_size": args.seed_size, "max_labels": args.max_labels,
            "random_max_labels": max(args.max_labels, args.random_max_labels),
            "repeats": args.repeats, "dev": "tuning split of the pool" if args.tune else "dev",
            "params": {label: params for label, (_, params) in runs.items() if params}}
    return {"categories": list(cats), "prevalence": Yp.mean(axis=0).tolist(), "ceiling": ceiling.tolist(),
            "curves": curves, "meta": meta}


_SHARED: dict = {}  # the features and settings every run reads (set once, inherited by forked workers)


def _one_run(job: tuple[str, str, dict, int]) -> dict:
    label, s, params, r = job
    from threadpoolctl import threadpool_limits

    d, args = _SHARED, _SHARED["args"]
    seed_idx = np.random.default_rng(r).choice(len(d["Yp"]), args.seed_size, replace=False)
    mx = max(args.max_labels, args.random_max_labels) if s == "random" else args.max_labels
    t = time.perf_counter()
    with threadpool_limits(1):  # one core per run: runs, not BLAS threads, use the cores
        c = simulate(s, d["Xp"], d["Yp"], d["Xd"], d["Yd"], categories=d["cats"], seed_idx=seed_idx,
                     batch_size=args.batch, max_labels=mx, embeddings=d["Ep"], seed=r, **params)
    print(f"  {label} repeat {r}: {time.perf_counter() - t:.1f}s", flush=True)
    return {"n_labels": c.n_labels, "auprc": [a.tolist() for a in c.auprc], "positives": [p.tolist() for p in c.positives]}


def featurise(texts: list[str], features: str, lsa_dims: int, cache_dir: Path):
    """Features for the learner and embeddings for the diversity strategy, the same for every strategy.

    ``minilm+lsa`` (default) is the closest to the shipped model: its MiniLM sentence embeddings (the ONNX
    encoder shipped in ``models/default``, on normalised text as at serve time) beside a dense LSA of char
    n-grams, each block unit-length; diversity uses the MiniLM embeddings. ``lsa`` and ``ngrams`` are the
    char n-grams alone (dense LSA, or sparse), with 64 SVD dimensions as the diversity embeddings.
    """
    if features == "minilm":
        emb = minilm(texts, cache_dir)
        return emb, emb
    X = TfidfTransformer(sublinear_tf=True).fit_transform(
        HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), n_features=2**17, alternate_sign=False,
                          norm=None).transform(texts)).tocsr()
    if features == "ngrams":
        return X, l2(TruncatedSVD(64, random_state=0).fit_transform(X))
    lsa = l2(TruncatedSVD(lsa_dims, random_state=0).fit_transform(X))  # ~20x cheaper rounds than sparse n-grams
    if features == "lsa":
        return lsa, lsa[:, :64]
    emb = minilm(texts, cache_dir)
    return np.hstack([emb, lsa]), emb


def minilm(texts: list[str], cache_dir: Path) -> np.ndarray:
    """The shipped encoder's embeddings of ``texts``, cached on disk by encoder hash and text hash."""
    from flagstone.models.kinds import sha256_file
    from flagstone.models.onnx_encoder import ENCODING_SCHEME, OnnxEncoder
    from flagstone.text.normalize import normalize
    from flagstone.training.embed_cache import EmbeddingCache

    onnx, tok = ENCODER_DIR / "encoder.onnx", ENCODER_DIR / "tokenizer.json"
    key = hashlib.sha256(f"{sha256_file(onnx)}:{ENCODING_SCHEME}:{ENCODER_MAX_TOKENS}".encode()).hexdigest()
    cache = EmbeddingCache(cache_dir / "embeddings", key)
    encoder: list[OnnxEncoder] = []  # built only when some text is not cached yet

    def encode(batch):
        if not encoder:
            encoder.append(OnnxEncoder(onnx, tok, max_tokens=ENCODER_MAX_TOKENS))
        return encoder[0].encode(batch)

    return cache.get([normalize(t) for t in texts], encode).astype(np.float64)


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


def _median_reach(runs, j: int, target: float, mx: int) -> float:
    """Median over repeats of the labels each repeat needed (``inf`` where over half never got there)."""
    each = [first_reach(r[0], r[1], j, target) or np.inf for r in runs]
    med = float(np.median(each))
    return med if med <= mx else np.inf


def render_summary(means, cats, prev, ceiling, fracs: list[float], meta: dict, at: int, spread=None) -> str:
    """Each target against the rarest categories: the best strategy, the hybrid, and whether >= 2x is met.

    The verdict reads the mean curves (as every table here). With ``spread`` (the curves of each repeat)
    a second check sits beside it: the median over repeats of the labels each needed, random against the
    same strategy. It is robust to one slow repeat dragging the mean curve, but favours noisy curves (a
    repeat that jumps over the target by chance counts), so the two can disagree; both are shown.
    """
    mx, rmx = meta["max_labels"], meta.get("random_max_labels", meta["max_labels"])
    rare = [j for j in np.argsort(prev) if prev[j] < RARE]
    lines = ["### The targets, for the rarest categories (pool prevalence below "
             f"{RARE}: {', '.join(cats[j] for j in rare)})", "",
             f"Generated from the mean curves below ({meta.get('dev', 'dev')} set). 'Met' for labels: at least 2x "
             f"fewer labels than random to reach the target; 'at least k' where random never reached it within "
             f"{rmx} labels, so k is a lower bound. Other strategies stop at {mx} labels.", "",
             "Check: median over repeats of the labels each repeat needed, random / the best strategy (x fewer); "
             "'inf' where most repeats did not reach it.", "",
             "| target | category | random needs | best strategy | x fewer than random | hybrid needs "
             "| x fewer (hybrid) | 2x fewer met? | check: medians per repeat |",
             "|---|---|---|---|---|---|---|---|---|"]
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
            check = "-"
            if spread:
                mr, ms = _median_reach(spread["random"], j, target[j], rmx), _median_reach(spread[best], j, target[j], mx)
                check = f"{mr:g} / {ms:g}" + ("" if not np.isfinite(ms) else f" ({mr / ms:.1f}x)" if np.isfinite(mr)
                                              else f" (at least {rmx / ms:.1f}x)")
            lines.append(f"| {frac} x full pool | {cats[j]} | {base or f'>{rmx}'} | {best} ({bn or f'>{mx}'}) "
                         f"| {_ratio(br, bl)} | {hyb} | {_ratio(hr, hl)} | {met} | {check} |")
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
