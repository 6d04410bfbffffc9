"""Dev out-of-fold figures with one fine-tune per fold, on an accelerator: what the candidate's fine-tune is worth
when, like the shipped fine-tune, it has seen the in-domain rows of the other folds (issue 17).

``flagstone train --evaluate`` gives a recipe with a ``finetune:`` step one fine-tune that never saw a dev row
(one fine-tune instead of five on 2 CPU cores): conservative. This measures the honest figure, and a few
variants of the fine-tune, in three steps:

    # 1. here (CPU): the recipe's rows, folds and calibration split, and the base encoder in fp16 (to travel)
    python benchmarks/finetune_kfold.py export --recipe recipes/default-finetuned.yaml --out .devrun
    # 2. on a GPU machine (PyTorch + transformers; no other flagstone dependency): per variant, five fine-tunes,
    #    fold k's trained on every training row except fold k's dev rows; logits of the calibration and dev rows
    python benchmarks/finetune_kfold.py train --data .devrun --out OUTDIR [--variants base,steps1200,...]
    # 3. here: the recipe's heads per fold (the same folds as --evaluate), the sum heads + share x fold k's logits
    #    calibrated on fold k's calibration rows, dev AUPRC per variant and share
    python benchmarks/finetune_kfold.py score --recipe recipes/default-finetuned.yaml --logits OUTDIR/logits-*.npz \
        [--shares 0.17,0.35,0.7,1.0] [--slacks 0,0.02]
    #    (--slacks: also each fold's thresholds, chosen on its calibration rows by calibration.recall_slack, read
    #    out of fold on dev: any-category recall, false-positive rate and precision)

The fine-tune is ``training/finetune.py``'s (its ``train_network``: the same draws, loss and optimiser), run in fp32 (TF32 matrix products) on the GPU and not quantised: its
floats are not the CPU build's, so these figures say what a variant is worth, not what a pinned artifact scores.
Without a GPU, ``train`` runs on the CPU (about 13 minutes per fine-tune on 2 cores); ``--smoke`` checks the code path.
Figures: benchmarks/results/finetune_kfold.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

# name -> overrides of the recipe's finetune: spec (and "dev_weight": the dev rows' draw weight; without it the
# recipe's fine-tune weights, finetune.in_domain included)
VARIANTS: dict[str, dict] = {
    "base": {},
    "devw10": {"dev_weight": 10.0},
    "steps1200": {"steps": 1200},
    "steps2400": {"steps": 2400},
    "steps1200_devw10": {"steps": 1200, "dev_weight": 10.0},
    "tok128_lr6": {"max_tokens": 128, "lr": 6e-5},
}


def export(args: argparse.Namespace) -> None:
    from safetensors.torch import load_file, save_file

    from flagstone.training.export import base_model_dir
    from flagstone.training.recipe import load_recipe
    from flagstone.training.splits import bucket
    from flagstone.training.train import prepare_rows

    lr = load_recipe(Path(args.recipe))
    r = lr.recipe
    if r.finetune is None:
        raise SystemExit("the recipe has no finetune: step")
    p = prepare_rows(lr)
    dev = np.array([s == r.evaluation.dev_source for s in p.data.sources])
    folds = np.array([bucket(t, r.evaluation.folds, salt="fold") for t in p.data.texts])
    out = Path(args.out)
    (out / "base").mkdir(parents=True, exist_ok=True)
    weights = p.finetune_weights()
    np.savez_compressed(out / "rows.npz", labels=p.data.labels.astype(np.int8), weights=weights, calib=p.calib,
                        dev=dev, folds=folds)
    with gzip.open(out / "texts.jsonl.gz", "wt", encoding="utf-8") as f:
        for t in p.data.texts:
            f.write(json.dumps(t) + "\n")
    spec = r.finetune.model_dump(exclude={"sha256", "share", "threads"})
    (out / "spec.json").write_text(json.dumps({**spec, "seed": r.seed,
                                               "dev_weight": float(weights[dev][0]) if dev.any() else 1.0,
                                               "folds": r.evaluation.folds}, indent=1))
    src = base_model_dir(r.encoder.base)
    tensors = {k: v.half() for k, v in load_file(str(src / "model.safetensors")).items()}
    save_file(tensors, str(out / "base" / "model.safetensors"))
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
        if (src / name).is_file():
            (out / "base" / name).write_bytes((src / name).read_bytes())
    print(f"{len(p.data.texts)} rows, {int(dev.sum())} dev, {int(p.calib.sum())} calibration -> {out}")


def _train_one(texts, labels, weights, rows, keep, spec, seed, base, device):  # type: ignore[no-untyped-def]
    """``training/finetune.py``'s loop on ``rows``, on ``device``; the logits of the ``keep`` rows."""
    from types import SimpleNamespace

    import torch
    from transformers import AutoModel, AutoTokenizer

    from flagstone.training.finetune import train_network

    torch.manual_seed(seed)
    tok = AutoTokenizer.from_pretrained(base)
    encoder = AutoModel.from_pretrained(base, dtype=torch.float32)
    head = torch.nn.Linear(encoder.config.hidden_size, labels.shape[1])
    sub = [texts[i] for i in rows]
    net = train_network(encoder, head, tok, sub, labels[rows], weights[rows], SimpleNamespace(**spec), seed=seed,
                        device=device)
    out = np.zeros((len(keep), labels.shape[1]), dtype=np.float32)
    with torch.no_grad():
        for i in range(0, len(keep), 512):
            enc = tok([texts[j] for j in keep[i:i + 512]], padding=True, truncation=True,
                      max_length=spec["max_tokens"], return_tensors="pt").to(device)
            out[i:i + 512] = net(enc["input_ids"], enc["attention_mask"]).float().cpu().numpy()
    return out


def train(args: argparse.Namespace) -> None:
    import torch

    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    data = Path(args.data)
    rows = np.load(data / "rows.npz")
    labels, weights, calib, dev, folds = (rows[k] for k in ("labels", "weights", "calib", "dev", "folds"))
    with gzip.open(data / "texts.jsonl.gz", "rt", encoding="utf-8") as f:
        texts = [json.loads(line) for line in f]
    base_spec = json.loads((data / "spec.json").read_text())
    device = "cuda" if torch.cuda.is_available() else "cpu"
    print(f"{len(texts)} rows on {device} ({torch.cuda.get_device_name() if device == 'cuda' else 'cpu'})",
          flush=True)
    keep = np.flatnonzero(calib | dev)  # the rows whose logits the score step reads
    if args.smoke:
        keep = keep[:64]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in args.variants.split(","):
        spec = {**base_spec, **VARIANTS[name]}
        if args.smoke:  # a check of the code path, not a measurement
            spec.update(steps=2, folds=2)
        w = np.where(dev, spec["dev_weight"], weights) if "dev_weight" in VARIANTS[name] else weights
        per_fold = []
        t0 = time.perf_counter()
        for k in range(spec["folds"]):
            train_rows = np.flatnonzero(~calib & ~(dev & (folds == k)))
            per_fold.append(_train_one(texts, labels, w, train_rows, keep, spec, spec["seed"], str(data / "base"),
                                       device))
            print(f"{name} fold {k}: {time.perf_counter() - t0:.0f} s", flush=True)
        np.savez_compressed(out / f"logits-{name}.npz", rows=keep, logits=np.stack(per_fold).astype(np.float16),
                            spec=json.dumps(spec))


def score(args: argparse.Namespace) -> None:
    from flagstone.models.ensemble import calibrate, combine, mix
    from flagstone.models.features import fit_idf
    from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX
    from flagstone.training.fit import (
        choose_thresholds,
        features,
        fit_calibrators,
        fit_heads,
        multilingual_heads,
        take,
    )
    from flagstone.training.oof import DEV_CATEGORIES, average_precision, dev_metrics
    from flagstone.training.recipe import LoadedRecipe, load_recipe
    from flagstone.training.splits import bucket
    from flagstone.training.train import prepare_training

    lr = load_recipe(Path(args.recipe))
    r = lr.recipe.model_copy(update={"finetune": None})  # the heads' features only: logits come from --logits
    p = prepare_training(LoadedRecipe(r, lr.base, lr.path))
    dev = np.array([s == r.evaluation.dev_source for s in p.data.sources])
    folds = np.array([bucket(t, r.evaluation.folds, salt="fold") for t in p.data.texts])
    dense = {"embedding": p.emb, **({"multilingual": p.ml} if p.ml is not None else {})}
    logits = {}
    for f in args.logits:
        z = np.load(f)
        full = np.zeros((r.evaluation.folds, len(p.data.texts), z["logits"].shape[2]), dtype=np.float64)
        full[:, z["rows"]] = z["logits"]
        logits[Path(f).stem.removeprefix("logits-")] = full
    shares = [float(s) for s in args.shares.split(",")]
    slacks = [float(s) for s in args.slacks.split(",")]
    results: dict[tuple[str, float], np.ndarray] = {}
    flags: dict[tuple[str, float, float], np.ndarray] = {}
    for k in range(r.evaluation.folds):
        held = np.flatnonzero(dev & (folds == k))
        use = ~(dev & (folds == k))
        tr, cal = np.flatnonzero(use & ~p.calib), np.flatnonzero(use & p.calib)
        idf = fit_idf(p.tf[tr])
        feats = features(idf, p.tf, dense)
        heads, _ = fit_heads(r, take(feats, tr), p.data.labels[tr], p.weights[tr])
        fc, fh = take(feats, cal), take(feats, held)
        hc, hh = combine(heads, fc), combine(heads, fh)
        ml = multilingual_heads(heads)
        pml = pml_c = None  # the multilingual route, for held-out and calibration rows
        if ml:
            ml_cals, _ = fit_calibrators(r, combine(ml, fc), p.data.labels[cal])
            pml, pml_c = calibrate(combine(ml, fh), ml_cals), calibrate(combine(ml, fc), ml_cals)
        eng = None if p.english is None else p.english[held]
        eng_c = None if p.english is None else p.english[cal]
        for name, z in [("none", None), *logits.items()]:
            for share in ([0.0] if z is None else shares):
                rc = hc if z is None else hc + share * z[k][cal]
                rh = hh if z is None else hh + share * z[k][held]
                cals, _ = fit_calibrators(r, rc, p.data.labels[cal])
                prob = mix(calibrate(rh, cals), pml, eng)
                results.setdefault((name, share), np.zeros((len(p.data.texts), prob.shape[1])))[held] = prob
                prob_c = mix(calibrate(rc, cals), pml_c, eng_c)
                for slack in slacks:  # thresholds as the recipe picks them, on fold k's calibration rows
                    rs = r.model_copy(update={"calibration": r.calibration.model_copy(update={"recall_slack": slack})})
                    thr, _ = choose_thresholds(rs, p.policy, prob_c, p.data.labels[cal])
                    t = np.array([thr[c] for c in CATEGORIES])
                    flags.setdefault((name, share, slack), np.zeros((len(p.data.texts), len(t)), bool))[held] = prob >= t
        print(f"fold {k + 1}/{r.evaluation.folds} done", flush=True)
    labels = p.data.labels[dev]
    base = results[("none", 0.0)][dev]
    dev_idx = [CATEGORY_INDEX[c] for c in DEV_CATEGORIES]
    any_pos = (labels[:, dev_idx] == 1).any(axis=1).astype(float)
    rng = np.random.default_rng(0)
    boots = [rng.integers(0, len(any_pos), len(any_pos)) for _ in range(args.bootstrap)]
    print(f"\ndev rows {int(dev.sum())}, any-positive {int(any_pos.sum())}; variant, share: any AUPRC "
          "(minus heads alone, 95% paired bootstrap) and per category")
    print("| variant | share | any | vs heads alone | " + " | ".join(DEV_CATEGORIES) + " |")
    print("|---|---|---|---|" + "---|" * len(DEV_CATEGORIES))
    for (name, share), probs in results.items():
        pr = probs[dev]
        m = dev_metrics(pr, labels, bootstrap=0, seed=0)
        d = [average_precision(pr.max(1)[b], any_pos[b]) - average_precision(base.max(1)[b], any_pos[b])
             for b in boots if any_pos[b].sum()]
        lo, hi = (np.percentile(d, 2.5), np.percentile(d, 97.5)) if d else (float("nan"),) * 2
        cats = " | ".join(f"{m['per_category'][c]['auprc']:.3f}" for c in DEV_CATEGORIES)
        delta = m["any"]["auprc"] - average_precision(base.max(1), any_pos)
        print(f"| {name} | {share:g} | {m['any']['auprc']:.4f} | {delta:+.4f} ({lo:+.3f}..{hi:+.3f}) | {cats} |",
              flush=True)

    print("\nAt each fold's thresholds (chosen on its calibration rows, as the recipe does), any category on dev:")
    print("| variant | share | recall_slack | flagged | recall | false-positive rate | precision |")
    print("|---|---|---|---|---|---|---|")
    for (name, share, slack), f in flags.items():
        hit = f[dev][:, dev_idx].any(1)
        tp = (hit & (any_pos == 1)).sum()
        print(f"| {name} | {share:g} | {slack:g} | {hit.mean():.3f} | {tp / any_pos.sum():.3f} | "
              f"{(hit & (any_pos == 0)).sum() / (any_pos == 0).sum():.3f} | {tp / max(hit.sum(), 1):.3f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export")
    e.add_argument("--recipe", default=str(REPO / "recipes/default-finetuned.yaml"))
    e.add_argument("--out", required=True)
    t = sub.add_parser("train")
    t.add_argument("--data", required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--variants", default=",".join(VARIANTS))
    t.add_argument("--smoke", action="store_true", help="2 steps, 2 folds: does the code run")
    s = sub.add_parser("score")
    s.add_argument("--recipe", default=str(REPO / "recipes/default-finetuned.yaml"))
    s.add_argument("--logits", nargs="+", required=True)
    s.add_argument("--shares", default="0.17,0.35,0.7,1.0")
    s.add_argument("--bootstrap", type=int, default=1000)
    s.add_argument("--slacks", default="0", help="threshold rules to read out of fold (calibration.recall_slack)")
    args = ap.parse_args()
    {"export": export, "train": train, "score": score}[args.cmd](args)


if __name__ == "__main__":
    main()
