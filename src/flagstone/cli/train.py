"""``flagstone train RECIPE --out DIR [--evaluate]``: build a model artifact from a training recipe."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("train", help="train a model artifact from a recipe YAML")
    p.add_argument("recipe", help="recipe file (e.g. recipes/default.yaml)")
    p.add_argument("--out", required=True, help="artifact folder to write")
    p.add_argument("--evaluate", action="store_true",
                   help="also run k-fold out-of-fold evaluation on the dev set and OKTest (slower)")
    p.add_argument("--cache-dir", help="cache folder for exported encoders and embeddings (overrides the recipe)")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--seed", type=int,
                   help="train with this seed instead of the recipe's (the artifact records it): a build that "
                        "differs from the recipe's only by the seed shows how far training noise alone moves "
                        "every figure (benchmarks/compare_models.py --twin)")
    p.add_argument("--like", metavar="ARTIFACT",
                   help="say whether the written artifact rebuilds ARTIFACT (say, src/flagstone/models/default) "
                        "byte for byte, and if not which files and which libraries or CPU differ")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from flagstone.registry.store import read_manifest
    from flagstone.training.recipe import load_recipe
    from flagstone.training.train import train

    cache = str(Path(args.cache_dir).resolve()) if args.cache_dir else None
    # A --like that is no artifact fails now, not after the minutes of training.
    reference = read_manifest(Path(args.like)) if args.like else None
    version, metrics = train(load_recipe(args.recipe, cache_dir=cache, seed=args.seed), Path(args.out),
                             evaluate_model=args.evaluate)
    print(f"wrote {args.out} version {version[:12]}")
    if reference is not None:
        _print_rebuild(read_manifest(Path(args.out)), reference, args.like)
    if args.json:
        print(json.dumps(metrics, indent=2, sort_keys=True))
    elif "dev_oof" in metrics:
        dev = metrics["dev_oof"]
        print(f"dev OOF any-category AUPRC {dev['any']['auprc']:.3f} "
              f"(95% CI {dev['any']['ci95'][0]:.3f}-{dev['any']['ci95'][1]:.3f})")
        for cat, r in dev["per_category"].items():
            print(f"  {cat:18s} AUPRC {r['auprc']:.3f} ({r['ci95'][0]:.3f}-{r['ci95'][1]:.3f}) "
                  f"pos {r['positives']}/{r['n']} ECE {r['ece']:.3f}")
    if "oktest" in metrics:
        print(f"OKTest false-positive rate {metrics['oktest']['fpr']:.3f} on {metrics['oktest']['n']} prompts")
    return 0


def _print_rebuild(built: dict, reference: dict, like: str) -> None:
    from flagstone.training.provenance import rebuild_report

    report = rebuild_report(built, reference)
    if report["same_version"]:
        print(f"rebuilds {like} byte for byte")
        return
    print(f"differs from {like} in {len(report['files_differ'])} file(s): {', '.join(report['files_differ']) or '-'}"
          " (the manifest itself differs when only the recipe record or metrics do)")
    if not report["reference_build_recorded"]:
        print(f"  {like} does not record where it was built")
    for line in report["build_differs"]:
        print(f"  build: {line}")
