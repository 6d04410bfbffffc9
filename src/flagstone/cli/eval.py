"""``flagstone eval``: score a labelled file, or run a suite on a model, and print per-category quality.

    flagstone eval FILE [--model-dir DIR]                       one labelled file, the configured model
    flagstone eval MODEL --suite SUITE [--compare MODEL2] [--json F] [--html F]

MODEL is an artifact folder, a registered version (hash prefix) or a stage name (``production``).
A suite's functional sets print one row per failure class (accuracy, positives caught, negatives
left clean, the class's minimum); the command exits 1 when a gated class is below its minimum.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from flagstone.cli._progress import Progress


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="evaluate a model on a labelled JSONL/CSV file",
                       description="Per-category AUPRC (95%% bootstrap CI), precision/recall/F1 at the model's "
                                   "thresholds, ECE, and an 'any category' row. Labels: OpenAI's 8-letter "
                                   "keys or our 13 names; an absent key is unknown and skipped.")
    p.add_argument("data", metavar="FILE|MODEL",
                   help="labelled .jsonl or .csv file; with --suite, the model (folder, version or stage)")
    p.add_argument("--suite", help="evaluation suite YAML (datasets, slices, gates)")
    p.add_argument("--compare", metavar="MODEL2", help="with --suite: also evaluate MODEL2 and compare (B = MODEL2)")
    p.add_argument("--html", dest="html_out", help="with --suite: write the HTML report to this file")
    p.add_argument("--model-dir", help="model artifact directory (default: the shipped model)")
    p.add_argument("--text-field", help="name of the text field (default: prompt/text/input)")
    p.add_argument("--bootstrap", type=int, help="bootstrap resamples for CIs (0 = none; default 1000, "
                                                "or the suite's)")
    p.add_argument("--json", dest="json_out", help="also write the report as JSON to this file")
    p.set_defaults(func=run)


def _fmt(x: float) -> str:
    return "  -  " if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


def run(args: argparse.Namespace) -> int:
    if args.suite:
        return run_suite_cmd(args)
    from flagstone.evaluation import evaluate_scores, load_labelled
    from flagstone.evaluation.report import score_all
    from flagstone.models.kinds import load_model

    settings = args.settings.with_overrides(model_dir=args.model_dir)
    data = load_labelled(args.data, text_field=args.text_field)
    model = load_model(settings.model_dir)
    with Progress(len(data), "scoring") as bar:
        scores = score_all(model, data.texts, max_chunks=settings.max_chunks_per_input, progress=bar.update)
    report = evaluate_scores(scores, data, model.info.thresholds, model=model.info.id,
                             n_boot=1000 if args.bootstrap is None else args.bootstrap)
    print(f"model {report.model} on {report.source} ({len(data)} rows)")
    head = f"{'category':<24}{'n':>6}{'pos':>6}  {'AUPRC':>6}  {'95% CI':<15}{'thr':>6}{'P':>7}{'R':>7}{'F1':>7}{'ECE':>7}"
    print(head)
    print("-" * len(head))
    for r in report.rows:
        ci = f"[{_fmt(r.auprc_ci[0])}, {_fmt(r.auprc_ci[1])}]"
        print(f"{r.category:<24}{r.n:>6}{r.positives:>6}  {_fmt(r.auprc):>6}  {ci:<15}{_fmt(r.threshold):>6}"
              f"{_fmt(r.precision):>7}{_fmt(r.recall):>7}{_fmt(r.f1):>7}{_fmt(r.ece):>7}")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump(report.to_dict(), fh, indent=2)
        print(f"wrote {args.json_out}", file=sys.stderr)
    return 0


def _resolve_model(ref: str, settings):
    """An artifact folder, or a registry version prefix or stage name."""
    from pathlib import Path

    from flagstone.errors import NotFoundError
    from flagstone.models.kinds import load_model

    if (Path(ref) / "manifest.json").is_file():
        return load_model(ref)
    from flagstone.registry.store import ModelRegistry
    from flagstone.registry.tables import STAGES
    from flagstone.store import open_store

    reg = ModelRegistry(open_store(settings))
    if ref in STAGES:
        rows = reg.versions(ref)
        if not rows:
            raise NotFoundError(f"no model is in {ref}")
        return load_model(rows[-1].path)
    return load_model(reg.get(ref).path)


def run_suite_cmd(args: argparse.Namespace) -> int:
    from flagstone.evaluation.compare import compare, comparison_table
    from flagstone.evaluation.html import render_html
    from flagstone.evaluation.suites import load_suite, run_suite

    settings = args.settings
    suite = load_suite(args.suite)
    models = [_resolve_model(args.data, settings)] + ([_resolve_model(args.compare, settings)] if args.compare else [])
    results = []
    for m in models:
        with Progress(None, f"scoring {m.info.id}") as bar:
            results.append(run_suite(m, suite, max_chunks=settings.max_chunks_per_input, n_boot=args.bootstrap,
                                     progress=bar.update))
    for res in results:
        for name, d in res.datasets.items():
            print(f"model {res.model} on {name} ({len(d.data)} rows)")
            _print_rows(d.report.rows)
            for field, vals in d.slices.items():
                print(f"  by {field}: " + ", ".join(f"{v} n={r.row('any').n} AUPRC={_fmt(r.row('any').auprc)}"
                                                  for v, r in vals.items()))
        for name, f in res.functional.items():
            print(f"model {res.model} on functional set {name} ({len(f.items)} items)")
            print(functional_table(f))
    comparison = compare(results[0], results[1], suite.suite.gates, n_boot=suite.suite.bootstrap) if args.compare else None
    if comparison is not None:
        print(comparison_table(comparison))
    if args.json_out:
        doc = {"results": [r.to_dict() for r in results],
               "comparison": comparison.to_dict() if comparison else None}
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump(_nan_free(doc), fh, indent=2, allow_nan=False)
        print(f"wrote {args.json_out}", file=sys.stderr)
    if args.html_out:
        with open(args.html_out, "w", encoding="utf-8") as fh:
            fh.write(render_html(results[0], other=results[1] if args.compare else None, comparison=comparison))
        print(f"wrote {args.html_out}", file=sys.stderr)
    failed = [f"{m.model}: {s}/{c}" for m in results for s, c in m.functional_failures()]
    if failed:
        print("functional gate FAILED: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


def functional_table(f) -> str:
    """Per-class rows of a ``FunctionalResult`` (used by the CLI and benchmarks/results)."""
    head = (f"{'class':<26}{'n':>5}{'right':>7}{'acc':>7}{'caught':>10}{'clean':>10}{'min':>6}  result")
    lines = [head, "-" * len(head)]
    for r in f.rows:
        caught = f"{r.caught}/{r.positives}" if r.positives else "-"
        clean = f"{r.clean}/{r.negatives}" if r.negatives else "-"
        verdict = ("pass" if r.passed else "FAIL") if r.gated else ("ok" if r.passed else "below (report only)")
        lines.append(f"{r.cls:<26}{r.n:>5}{r.right:>7}{r.accuracy:>7.3f}{caught:>10}{clean:>10}"
                     f"{r.min_accuracy:>6.2f}  {verdict}")
    return "\n".join(lines)


def _nan_free(x):
    """JSON has no NaN: undefined metrics (no positives) are written as null."""
    if isinstance(x, dict):
        return {k: _nan_free(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_nan_free(v) for v in x]
    if isinstance(x, float) and math.isnan(x):
        return None
    return x


def _print_rows(rows) -> None:
    head = f"{'category':<24}{'n':>6}{'pos':>6}  {'AUPRC':>6}  {'95% CI':<15}{'thr':>6}{'P':>7}{'R':>7}{'F1':>7}{'FPR':>7}{'ECE':>7}"
    print(head)
    print("-" * len(head))
    for r in rows:
        ci = f"[{_fmt(r.auprc_ci[0])}, {_fmt(r.auprc_ci[1])}]"
        print(f"{r.category:<24}{r.n:>6}{r.positives:>6}  {_fmt(r.auprc):>6}  {ci:<15}{_fmt(r.threshold):>6}"
              f"{_fmt(r.precision):>7}{_fmt(r.recall):>7}{_fmt(r.f1):>7}{_fmt(r.fpr):>7}{_fmt(r.ece):>7}")


def add_refresh_validation(sub: argparse._SubParsersAction) -> None:
    """``flagstone data refresh-validation``: registered by the ``data`` group, implemented here."""
    s = sub.add_parser("refresh-validation", help="sample recent traffic, stratified by score band, into a "
                                                   "labeling queue (a fresh validation set)")
    src = s.add_mutually_exclusive_group(required=True)
    src.add_argument("--from-log", action="store_true", help="the request log (calls logged with full content)")
    src.add_argument("--dataset", help="an imported (unlabeled) dataset")
    s.add_argument("--days", type=float, default=7.0, help="with --from-log: how far back to sample")
    s.add_argument("-n", type=int, default=500, help="texts to queue")
    s.add_argument("--queue", help="queue name (default: validation-YYYY-MM-DD)")
    s.add_argument("--model-dir", help="model that scores the texts (default: the configured model)")
    s.add_argument("--seed", type=int, default=0)
    s.set_defaults(func=_refresh_validation)


def _refresh_validation(args: argparse.Namespace) -> int:
    import time
    from datetime import UTC, datetime

    from flagstone.evaluation.refresh import refresh_validation, texts_from_dataset, texts_from_log
    from flagstone.models.kinds import load_model
    from flagstone.store import open_store

    settings = args.settings.with_overrides(model_dir=args.model_dir)
    store = open_store(settings)
    if args.from_log:
        from flagstone.abuse.db import open_engine

        texts = texts_from_log(open_engine(settings.resolved_database_url), since=time.time() - args.days * 86400)
    else:
        texts = texts_from_dataset(store, args.dataset)
    queue = args.queue or f"validation-{datetime.now(UTC):%Y-%m-%d}"
    r = refresh_validation(store, texts, load_model(settings.model_dir), n=args.n, queue=queue, seed=args.seed,
                           max_chunks=settings.max_chunks_per_input)
    print(f"queued {r.queued} of {r.candidates} texts in {r.queue} ({r.already_queued} already queued)")
    for k, v in sorted(r.strata.items()):
        print(f"  {k:<32}{v:>6}")
    return 0
