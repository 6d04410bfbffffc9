"""``flagstone redteam``: list attacks and suites, and run a suite against a model."""

from __future__ import annotations

import argparse
import math
import sys
from datetime import UTC, datetime
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("redteam", help="attack a model with a red-team suite and report what gets through")
    rs = p.add_subparsers(dest="redteam_command", metavar="SUBCOMMAND")
    run_p = rs.add_parser("run", help="run a suite on labelled seed items",
                          description="A success is a flagged positive that is no longer flagged, or, for "
                                      "over-flagging probes, a benign item that becomes flagged.")
    run_p.add_argument("--model", help="model artifact directory (default: the shipped model)")
    run_p.add_argument("--suite", default="default", help="suite name (shipped) or YAML file (default: default)")
    run_p.add_argument("--seeds", required=True, help="labelled .jsonl/.csv seed items (text + labels)")
    run_p.add_argument("--text-field", help="name of the text field (default: prompt/text/input)")
    run_p.add_argument("--defence", choices=["none", "decode"], default="none",
                       help="'decode': score the max over the text and its decoded/de-obfuscated views")
    run_p.add_argument("--max-items", type=int, help="override the suite's max_items")
    run_p.add_argument("--max-chars", type=int, help="override the suite's max_chars (longer seeds left out)")
    run_p.add_argument("--out", help="run directory (default: <data_dir>/redteam/<suite>-<time>)")
    run_p.add_argument("--queue", action="store_true", help="also send failures to the store's labeling queue")
    run_p.set_defaults(func=run)
    ls = rs.add_parser("list", help="list registered attacks and shipped suites")
    ls.set_defaults(func=list_attacks)
    p.set_defaults(func=lambda args: (p.print_help(), 1)[1])


def _pct(x: float) -> str:
    return "   -  " if math.isnan(x) else f"{100 * x:5.1f}%"


def list_attacks(args: argparse.Namespace) -> int:
    from flagstone.redteam.base import available_attacks
    from flagstone.redteam.suite import available_suites

    for name, cls in available_attacks().items():
        print(f"{name:<26}{cls.family:<11}{cls.targets:<9}{cls.description}")
    print(f"\nsuites: {', '.join(available_suites())}")
    return 0


def run(args: argparse.Namespace) -> int:
    from flagstone.evaluation.labelled import load_labelled
    from flagstone.models.decoding import DecodingModel
    from flagstone.models.registry import load_model
    from flagstone.redteam.report import write_run
    from flagstone.redteam.runner import run_suite
    from flagstone.redteam.suite import load_suite
    from flagstone.settings import load_settings

    settings = load_settings(args.config, model_dir=args.model)
    suite = load_suite(args.suite)
    overrides = {k: v for k, v in (("max_items", args.max_items), ("max_chars", args.max_chars)) if v}
    if overrides:
        suite = suite.model_copy(update=overrides)
    seeds = load_labelled(args.seeds, text_field=args.text_field)
    model = load_model(settings.model_dir)
    if args.defence == "decode":
        model = DecodingModel(model, max_chunks=settings.max_chunks_per_input)
    print(f"running suite {suite.name} on {model.info.id} with {len(seeds)} seed rows ...", file=sys.stderr)
    result = run_suite(model, suite, seeds, max_chunks=settings.max_chunks_per_input)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    run_dir = Path(args.out) if args.out else settings.data_dir / "redteam" / f"{suite.name}-{stamp}"
    report = write_run(result, run_dir)

    print(f"suite {suite.name}, model {result.model}: {result.n_items} items, "
          f"{result.n_positive_pairs} flagged positive pairs, {result.n_benign} benign items")
    print(f"{'attack':<28}{'family':<11}{'kind':<9}{'trials':>7}{'succ':>6}{'ASR':>8}")
    for a in report["attacks"]:
        asr = float("nan") if a["asr"] is None else a["asr"]
        print(f"{a['attack']:<28}{a['family']:<11}{a['kind']:<9}{a['trials']:>7}{a['successes']:>6}{_pct(asr):>8}")
    print("\nper family:  " + "  ".join(f"{f} {_pct(v['asr'] if v['asr'] is not None else float('nan'))}"
                                         for f, v in report["families"].items()))
    print("per category (misses): " + "  ".join(f"{c} {_pct(v['asr'])}" for c, v in report["categories"].items()))
    print(f"\nreport: {run_dir / 'report.html'} and report.json; "
          f"{report['failures_written']} failures in {run_dir / 'failures.jsonl'}")
    if args.queue:
        from flagstone.redteam.queue import enqueue_failures
        from flagstone.store import open_store

        n = enqueue_failures(open_store(settings), result)
        print(f"queued {n} failures for review (queue 'redteam')")
    return 0
