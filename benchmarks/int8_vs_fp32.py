"""Accuracy cost of the int8 encoder against fp32, on the OpenAI moderation dev set.

    python benchmarks/int8_vs_fp32.py [--data ../shared/datasets] [--cache .cache]

Exports both encoders (needs the ``train`` extra), embeds the 566 dev prompts with each, and prints
(1) the cosine similarity between int8 and fp32 embeddings and (2) 5-fold cross-validated AUPRC of a
logistic regression per dev category on each embedding, with the same folds. Both numbers compare
the two encoders in the same run on the same machine.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[1] / "datasets"))
    ap.add_argument("--cache", default=".cache/encoders")
    args = ap.parse_args()
    from sklearn.linear_model import LogisticRegression

    from flagstone.models.onnx_encoder import OnnxEncoder
    from flagstone.policy.taxonomy import OPENAI_SHORT_KEYS
    from flagstone.text.normalize import normalize
    from flagstone.training.export import export_encoder
    from flagstone.training.oof import average_precision
    from flagstone.training.splits import bucket

    rows = [json.loads(line) for line in open(Path(args.data) / "openai-moderation-dev" / "samples-dev.jsonl")]
    texts = [normalize(r["prompt"]) for r in rows]
    embs = {}
    for name, quant in (("int8", True), ("fp32", False)):
        folder = Path(args.cache) / f"all-MiniLM-L6-v2-{name}"
        if not (folder / "encoder.onnx").is_file():
            export_encoder("all-MiniLM-L6-v2", folder, quantize=quant)
        enc = OnnxEncoder(folder / "encoder.onnx", folder / "tokenizer.json")
        t0 = time.perf_counter()
        embs[name] = enc.encode(texts)
        print(f"{name}: {(folder / 'encoder.onnx').stat().st_size / 1e6:.1f} MB, "
              f"embedded {len(texts)} dev prompts in {time.perf_counter() - t0:.1f} s")
    cos = np.sum(embs["int8"] * embs["fp32"], axis=1)
    print(f"cosine(int8, fp32): mean {cos.mean():.4f}, min {cos.min():.4f}")
    folds = np.array([bucket(t, 5, salt="fold") for t in texts])
    print(f"{'category':18s} {'int8':>6s} {'fp32':>6s}")
    for key, cat in OPENAI_SHORT_KEYS.items():
        idx = np.array([i for i, r in enumerate(rows) if key in r])
        y = np.array([rows[i][key] for i in idx])
        res = {}
        for name, X in embs.items():
            oof = np.zeros(len(idx))
            for k in range(5):
                tr, te = folds[idx] != k, folds[idx] == k
                if y[tr].min() == y[tr].max():
                    continue
                clf = LogisticRegression(C=2.0, max_iter=2000).fit(X[idx][tr], y[tr])
                oof[te] = clf.decision_function(X[idx][te])
            res[name] = average_precision(oof, y)
        print(f"{cat:18s} {res['int8']:6.3f} {res['fp32']:6.3f}")


if __name__ == "__main__":
    main()
