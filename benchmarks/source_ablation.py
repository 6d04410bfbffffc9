"""Leave one training source out: what each source does to the model on data it never saw.

    python benchmarks/source_ablation.py recipes/default.yaml [--only hatexplain,stormfront-hate-speech] [--seed 0]

For each mapping file the recipe reads (the dev source excepted: it is the in-domain set and the k-fold
evaluation set), the recipe is built without it (``flagstone train``, into ``--out``/<source>, warm embedding
cache: about a minute each on 2 cores) and scored beside the recipe as written, built in the same run:

* the unseen sets of ``benchmarks/compare_models.py`` (toxic-chat, OLID, GPTFuzzer answers): AUPRC difference
  WITHOUT - WITH, paired bootstrap interval over the texts;
* OKTest: share of benign prompts flagged;
* the functional suite (``suites/functional/items.jsonl``): items right, in all and per class that moved.

A positive difference means the model is better without the source. Training noise moves these sets by up to
0.007 (two seeds of one recipe; model_v2.md, seventh session): read smaller differences as noise. Composites
are rebuilt from the remaining rows, so a source also leaves the long and padded composites.

A build already in ``--out`` (a folder with a manifest) is reused, so an interrupted run resumes; delete the folder
after changing the code or the data.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "benchmarks"))


def build(recipe: Path, out: Path, seed: int) -> None:
    if (out / "manifest.json").exists():
        return
    cmd = [str(Path(sys.executable).parent / "flagstone"), "train", str(recipe), "--out", str(out), "--seed", str(seed)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def score(model_dir: Path, sets: dict, oktest: list[str], items: list) -> dict:
    from flagstone.evaluation.functional import run_functional
    from flagstone.models.kinds import load_model
    from flagstone.policy.taxonomy import CATEGORIES

    model = load_model(model_dir)
    th = np.array([model.info.thresholds[c] for c in CATEGORIES])
    out: dict = {"oktest": float((model.predict_proba(oktest) >= th).any(axis=1).mean()), "sets": {}}
    for name, (texts, _y, cat) in sets.items():
        p = model.predict_proba(texts)
        out["sets"][name] = p.max(axis=1) if cat == "any" else p[:, CATEGORIES.index(cat)]
    fr = run_functional(model, items, gate=False)
    out["functional"] = {r.cls: r.right for r in fr.rows}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("recipe")
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "datasets"))
    ap.add_argument("--out", default="/tmp/source_ablation")
    ap.add_argument("--only", help="comma-separated source names (default: every mapping the recipe reads)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bootstrap", type=int, default=300)
    args = ap.parse_args()

    import yaml
    from compare_models import bootstrap_auprc, load_sets

    from flagstone.evaluation.functional import load_items
    from flagstone.training.oof import average_precision, read_prompts
    from flagstone.training.provenance import cpu
    from flagstone.training.recipe import load_recipe
    from flagstone.training.sources import load_mapping

    lr = load_recipe(args.recipe)
    files = lr.source_files()
    names = {f: load_mapping(f).name for f in files}
    dev = lr.recipe.evaluation.dev_source
    wanted = set(args.only.split(",")) if args.only else None
    data = Path(args.data)
    sets = load_sets(data)
    oktest = read_prompts(data / "oktest" / "OKTest.csv")
    items = load_items(REPO / "suites" / "functional" / "items.jsonl")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    host = cpu()
    print(f"host: {host['model']} ({', '.join(host['isa'])}), {os.cpu_count()} cores, python "
          f"{platform.python_version()}; recipe {args.recipe}, seed {args.seed}", flush=True)
    t0 = time.time()
    build(lr.path, out / "_with", args.seed)
    ref = score(out / "_with", sets, oktest, items)
    print(f"with every source: built and scored in {time.time() - t0:.0f} s; OKTest {ref['oktest']:.3f}; "
          + "; ".join(f"{n} {average_precision(ref['sets'][n], y):.3f}" for n, (_t, y, _c) in sets.items())
          + f"; functional {sum(ref['functional'].values())} of {len(items)}", flush=True)
    short = {n: n.split(",")[0] for n in sets}
    print("\n| without | " + " | ".join(short.values()) + " | OKTest | functional | classes that moved |")
    print("|---" * (len(sets) + 4) + "|")
    for f in files:
        name = names[f]
        if name == dev or (wanted and name not in wanted):
            continue
        t = time.time()
        recipe = lr.path.parent / f".ablate-{name}.yaml"
        rel = [os.path.relpath(g, lr.path.parent) for g in files if g != f]
        recipe.write_text(yaml.safe_dump({"extends": lr.path.name, "sources": rel}))
        try:
            build(recipe, out / name, args.seed)
        finally:
            recipe.unlink()
        res = score(out / name, sets, oktest, items)
        cells = []
        for n, (_t, y, _c) in sets.items():
            a, b = res["sets"][n], ref["sets"][n]
            per = bootstrap_auprc({"without": a, "with": b}, y, args.bootstrap)
            lo, hi = np.percentile(per["without"] - per["with"], [2.5, 97.5])
            sig = "*" if lo > 0 or hi < 0 else ""
            cells.append(f"{average_precision(a, y) - average_precision(b, y):+.3f}{sig}")
        moved = ", ".join(f"{c} {ref['functional'][c]}->{v}" for c, v in res["functional"].items()
                          if v != ref["functional"][c])
        total = sum(res["functional"].values()) - sum(ref["functional"].values())
        print(f"| {name} | " + " | ".join(cells) + f" | {res['oktest'] - ref['oktest']:+.3f} | {total:+d} | "
              f"{moved or '-'} |  ({time.time() - t:.0f} s)", flush=True)
    print("\n* = the paired bootstrap interval excludes 0. Differences are WITHOUT - WITH: for AUPRC and the functional "
          "items positive = better without the source; for OKTest (share of benign prompts flagged) negative = better "
          "without.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
