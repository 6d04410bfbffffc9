"""``flagstone pipeline run RECIPE --suite SUITE``: the whole loop, resumable, with a step display.

Exit status: 0 when the gates passed (promoted, or not with ``--no-promote``), 1 when a gate failed,
2 when a step failed (the error is printed; a rerun resumes at that step).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pipeline", help="snapshot, train, calibrate, evaluate, gate and promote in one command")
    s = p.add_subparsers(dest="pipeline_command", metavar="SUBCOMMAND", required=True)
    r = s.add_parser("run", help="run (or resume) the pipeline for a recipe",
                     description="Steps: snapshot, train (with calibration), register, evaluate, gate, promote, "
                                 "report. A rerun skips finished steps whose inputs did not change, so a failed "
                                 "run resumes where it stopped.")
    r.add_argument("recipe")
    r.add_argument("--suite", required=True, help="evaluation suite YAML (its gates decide the promotion)")
    r.add_argument("--no-promote", action="store_true", help="evaluate and compare, but never promote")
    r.add_argument("--out", help="folder for pipeline runs (default: <data_dir>/pipelines)")
    r.add_argument("--cache-dir", help="cache folder for encoders and embeddings (overrides the recipe)")
    r.add_argument("--actor", help="who runs it (default: $FLAGSTONE_ACTOR or the login name)")
    r.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from flagstone.evaluation.suites import load_suite
    from flagstone.pipelines.run import STEPS, PipelineRun
    from flagstone.registry.store import ModelRegistry
    from flagstone.store import open_store
    from flagstone.training.recipe import load_recipe

    settings = args.settings
    cache = str(Path(args.cache_dir).resolve()) if args.cache_dir else None
    lr = load_recipe(args.recipe, cache_dir=cache)
    started: dict[str, float] = {}

    def show(step: str, status: str, detail: str) -> None:
        n = STEPS.index(step) + 1
        if status == "start":
            started[step] = time.monotonic()
            print(f"[{n}/{len(STEPS)}] {step} ...", file=sys.stderr, flush=True)
            return
        took = f" ({time.monotonic() - started[step]:.1f}s)" if step in started else ""
        print(f"[{n}/{len(STEPS)}] {step} {status}{took}{': ' + detail if detail else ''}", file=sys.stderr,
              flush=True)

    pr = PipelineRun(lr, load_suite(args.suite), ModelRegistry(open_store(settings)),
                     Path(args.out) if args.out else settings.data_dir / "pipelines",
                     actor=args.actor or os.environ.get("FLAGSTONE_ACTOR") or getpass.getuser(),
                     promote=not args.no_promote, progress=show)
    result = pr.run()
    print(Path(result["path"]).read_text())
    if result.get("gate_passed") is False:
        print("error: the promotion gate failed; production is unchanged", file=sys.stderr)
        return 1
    return 0
