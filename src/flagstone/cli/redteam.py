"""``flagstone redteam``: list attacks and suites, and run a suite against a model or a live endpoint.

    flagstone redteam run --target http://127.0.0.1:8000 [--api-key KEY]     a running server
    flagstone redteam run [--model DIR] [--defence decode|none]               an artifact, in process

Without ``--seeds`` the shipped seed set is used. Failures (successful attacks) are written to
``failures.jsonl`` and queued for people to confirm (queue ``redteam``) unless ``--no-queue``.
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import UTC, datetime
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("redteam", help="attack a model or a live endpoint with a red-team suite")
    rs = p.add_subparsers(dest="redteam_command", metavar="SUBCOMMAND")
    run_p = rs.add_parser("run", help="run a suite on labelled seed items",
                          description="A success is a flagged positive that is no longer flagged, or, for "
                                      "over-flagging probes, a benign item that becomes flagged.")
    where = run_p.add_mutually_exclusive_group()
    where.add_argument("--target", help="base URL of an OpenAI-compatible moderation endpoint "
                                        "(e.g. http://127.0.0.1:8000); its own flags and defences are measured")
    where.add_argument("--model", help="model artifact directory, scored in process (default: the shipped model)")
    run_p.add_argument("--api-key", help="API key for --target (default: $FLAGSTONE_API_KEY or $OPENAI_API_KEY)")
    run_p.add_argument("--target-model", help="'model' field sent to --target (default: the endpoint's default)")
    run_p.add_argument("--suite", default="default", help="suite name (shipped) or YAML file (default: default)")
    run_p.add_argument("--seeds", help="labelled .jsonl/.csv seed items (text + labels; default: the shipped set)")
    run_p.add_argument("--text-field", help="name of the text field (default: prompt/text/input)")
    run_p.add_argument("--defence", choices=["none", "decode"],
                       help="for --model: 'decode' scores the max over the text and its decoded views "
                            "(default: what the server runs, settings.decode_defence)")
    run_p.add_argument("--max-items", type=int, help="override the suite's max_items")
    run_p.add_argument("--max-chars", type=int, help="override the suite's max_chars (longer seeds left out)")
    run_p.add_argument("--out", help="run directory (default: <data_dir>/redteam/<suite>-<time>)")
    run_p.add_argument("--no-queue", action="store_true", help="do not send failures to the labeling queue")
    run_p.add_argument("--queue", action="store_true", help=argparse.SUPPRESS)  # the default now; kept for scripts
    run_p.set_defaults(func=run)
    ls = rs.add_parser("list", help="list registered attacks and shipped suites")
    ls.set_defaults(func=list_attacks)
    p.set_defaults(func=lambda args: (p.print_help(), 1)[1])


def _pct(x: float | None) -> str:
    return "   -  " if x is None or math.isnan(x) else f"{100 * x:5.1f}%"


def list_attacks(args: argparse.Namespace) -> int:
    from flagstone.redteam.base import available_attacks
    from flagstone.redteam.suite import available_suites

    for name, cls in available_attacks().items():
        print(f"{name:<26}{cls.family:<11}{cls.targets:<9}{cls.description}")
    print(f"\nsuites: {', '.join(available_suites())}")
    return 0


def _target(args: argparse.Namespace, settings):
    """The endpoint, or the local model wrapped in the same defence the server runs."""
    import os

    from flagstone.errors import InvalidRequestError

    if args.target:
        from flagstone.redteam.endpoint import EndpointTarget

        if args.defence:
            raise InvalidRequestError("--defence applies to --model; a --target runs its own defences")
        key = args.api_key or os.environ.get("FLAGSTONE_API_KEY") or os.environ.get("OPENAI_API_KEY")
        return EndpointTarget(args.target, api_key=key, model=args.target_model)
    from flagstone.models.decoding import DecodingModel
    from flagstone.models.kinds import load_model
    from flagstone.redteam.runner import ModelTarget

    model = load_model(settings.model_dir)
    defence = args.defence or ("decode" if settings.decode_defence else "none")
    if defence == "decode":
        model = DecodingModel(model, max_chunks=settings.max_chunks_per_input)
    return ModelTarget(model, max_chunks=settings.max_chunks_per_input)


def run(args: argparse.Namespace) -> int:
    from flagstone.evaluation.labelled import load_labelled
    from flagstone.redteam.report import write_run
    from flagstone.redteam.runner import run_suite
    from flagstone.redteam.suite import default_seeds, load_suite

    settings = args.settings.with_overrides(model_dir=args.model)
    suite = load_suite(args.suite)
    overrides = {k: v for k, v in (("max_items", args.max_items), ("max_chars", args.max_chars)) if v}
    if overrides:
        suite = suite.model_copy(update=overrides)
    seeds = load_labelled(args.seeds, text_field=args.text_field) if args.seeds else default_seeds()
    target = _target(args, settings)
    try:
        print(f"running suite {suite.name} on {target.name} with {len(seeds)} seed rows ({seeds.source}) ...",
              file=sys.stderr)
        result = run_suite(target, suite, seeds)
    finally:
        close = getattr(target, "close", None)
        if close is not None:
            close()
    queued = None
    if not args.no_queue:
        from flagstone.redteam.queue import QUEUE, enqueue_failures
        from flagstone.store import open_store

        store = open_store(settings)
        try:
            queued = enqueue_failures(store, result)
        finally:
            store.dispose()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    run_dir = Path(args.out) if args.out else settings.data_dir / "redteam" / f"{suite.name}-{stamp}"
    report = write_run(result, run_dir, queued=queued, queue=None if queued is None else QUEUE)
    _print(report, run_dir)
    return 0


def _print(report: dict, run_dir: Path) -> None:
    print(f"suite {report['suite']}, model {report['model']}: {report['seed_items']} seed items, "
          f"{report['flagged_positive_pairs']} flagged positive pairs, {report['benign_items']} benign items")
    print(f"{'attack':<28}{'family':<11}{'kind':<9}{'trials':>7}{'succ':>6}{'held':>6}{'n/a':>5}{'ASR':>8}")
    for a in report["attacks"]:
        print(f"{a['attack']:<28}{a['family']:<11}{a['kind']:<9}{a['trials']:>7}{a['successes']:>6}{a['held']:>6}"
              f"{a['not_applicable']:>5}{_pct(a['asr']):>8}")
    for kind, v in report["totals"].items():
        print(f"{'total ' + kind:<48}{v['trials']:>7}{v['successes']:>6}{v['held']:>6}{v['not_applicable']:>5}"
              f"{_pct(v['asr']):>8}")
    print("\nper family:  " + "  ".join(f"{f} {_pct(v['asr'])}" for f, v in report["families"].items()))
    print("per category (misses): " + "  ".join(f"{c} {_pct(v['asr'])}" for c, v in report["categories"].items()))
    print(f"\nreport: {run_dir / 'report.html'} and report.json; {report['failures_written']} distinct failing "
          f"texts in {run_dir / 'failures.jsonl'}")
    if report.get("queued") is not None:
        print(f"queued {report['queued']} failures for review (queue '{report['queue']}')")
