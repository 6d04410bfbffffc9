"""Dev AUPRC of the rare categories before and after adding synthetic data, with the counts added.

Trains the default recipe twice with the same code path ``flagstone train --evaluate`` uses for its
out-of-fold dev metrics (5-fold OOF on openai-moderation-dev): once as is, once with the template
generator's output for the rarest categories added as one more source (after dedup and QC against the
training texts and the policy's examples). Optionally (``--perturb``) a third variant adds
label-preserving perturbed copies of the training rows (the adversarial-augmentation defence) through
the recipe's ``augment:`` block, so they come from the training split only, as ``flagstone train`` does.

    python benchmarks/synthetic_auprc.py --recipe recipes/default.yaml --n 300 --out benchmarks/results/synthetic

The dev set has few positives in the rare categories (V2 9, H2 6, S3 27): read the CIs, not only the points.
``harassment/threatening`` and ``self-harm/instructions`` have no dev labels; their parents are shown.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import yaml

from flagstone.augment.base import write_items
from flagstone.augment.perturb import AugmentSpec
from flagstone.augment.qc import check_items
from flagstone.augment.templates import TemplateGenerator
from flagstone.policy.loader import load_policy
from flagstone.training.oof import dev_metrics, out_of_fold
from flagstone.training.recipe import LoadedRecipe, load_recipe
from flagstone.training.sources import load_mapping, load_source
from flagstone.training.train import prepare_training

RARE = ["violence/graphic", "self-harm/instructions", "harassment/threatening", "hate/threatening", "sexual/minors"]


def _mapping(path: Path, data: Path, name: str) -> Path:
    path.write_text(yaml.safe_dump({"name": name, "licence_class": "A", "file": str(data.resolve()),
                                    "format": "jsonl", "text": "text", "label_dict": "labels"}))
    return path


def _variant(lr: LoadedRecipe, extra: list[Path], augment: AugmentSpec | None = None) -> LoadedRecipe:
    # Only the perturbed variant augments, whatever the recipe's own ``augment:`` block says.
    recipe = lr.recipe.model_copy(update={"sources": [*lr.recipe.sources, *map(str, extra)], "augment": augment})
    return LoadedRecipe(recipe, lr.base, lr.path)


def _oof(lr: LoadedRecipe, bootstrap: int) -> tuple[dict, dict]:
    p = prepare_training(lr)
    r = lr.recipe
    dev = np.array([s == r.evaluation.dev_source for s in p.data.sources])
    oof = out_of_fold(r, p.policy, p.tf, p.emb, p.data.labels, p.weights, p.calib, dev, p.data.texts)
    return dev_metrics(oof, p.data.labels[dev], bootstrap=bootstrap, seed=r.seed), p.sources


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--recipe", default="recipes/default.yaml")
    ap.add_argument("--n", type=int, default=300, help="template items per rare category before QC")
    ap.add_argument("--perturb", action="store_true", help="also train with perturbed copies of the training rows")
    ap.add_argument("--bootstrap", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="benchmarks/results/synthetic")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    lr = load_recipe(args.recipe)
    gen = TemplateGenerator(load_policy(lr.resolve(lr.recipe.policy)))
    train_parts = [load_source(load_mapping(f), lr.resolve(lr.recipe.data_dir)) for f in lr.source_files()]
    train_texts = [t for part in train_parts for t in part.texts]
    examples = [e for cp in gen.policy.categories.values() for e in cp.positive_examples + cp.negative_examples]
    qc = check_items(gen.generate(RARE, args.n, random.Random(args.seed)), existing=train_texts,
                     policy_examples=examples)
    write_items(qc.kept, out / "synthetic_templates.jsonl")
    added: dict[str, dict[str, int]] = {}
    for it in qc.kept:
        cat = it.meta["category"]
        added.setdefault(cat, {"positive": 0, "negative": 0})[it.meta["kind"]] += 1
    variants = {"baseline": [], "+templates": [_mapping(out / "synthetic_templates.yaml",
                                                        out / "synthetic_templates.jsonl", "flagstone-synthetic")]}
    augment = {name: None for name in variants}
    if args.perturb:
        variants["+templates+perturbed"] = variants["+templates"]
        augment["+templates+perturbed"] = lr.recipe.augment or AugmentSpec(fraction=0.2, seed=args.seed)

    results = {}
    for name, extra in variants.items():
        t0 = time.perf_counter()
        results[name], sources = _oof(_variant(lr, extra, augment[name]), args.bootstrap)
        print(f"[{name}] trained and evaluated in {time.perf_counter() - t0:.0f}s; sources {sources}", file=sys.stderr)

    print(f"template items kept after QC: {len(qc.kept)} of {len(qc.kept) + len(qc.rejected)} "
          f"(rejected {qc.reasons()})")
    for cat, counts in added.items():
        print(f"  {cat:<26} +{counts['positive']} positives  +{counts['negative']} hard negatives")
    names = list(results)
    print("\ndev AUPRC (5-fold OOF on openai-moderation-dev, 95% bootstrap CI)")
    print(f"  {'category':<22}{'pos':>5}" + "".join(f"{n:>28}" for n in names))
    for cat, base in results["baseline"]["per_category"].items():
        cells = []
        for n in names:
            m = results[n]["per_category"][cat]
            cells.append(f"{m['auprc']:.3f} [{m['ci95'][0]:.2f},{m['ci95'][1]:.2f}]")
        mark = " *" if cat in RARE else ""
        print(f"  {cat:<22}{base.get('positives', ''):>5}" + "".join(f"{c:>28}" for c in cells) + mark)
    print("  (* = a rare category the templates target)")
    (out / "summary.json").write_text(json.dumps({"added": added, "qc_rejected": qc.reasons(),
                                                  "dev_oof": results}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
