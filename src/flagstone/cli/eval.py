"""``flagstone eval``: score a labelled file and print per-category quality."""

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
    p.add_argument("data", help="labelled .jsonl or .csv file")
    p.add_argument("--model-dir", help="model artifact directory (default: the shipped model)")
    p.add_argument("--text-field", help="name of the text field (default: prompt/text/input)")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for CIs (0 = none)")
    p.add_argument("--json", dest="json_out", help="also write the report as JSON to this file")
    p.set_defaults(func=run)


def _fmt(x: float) -> str:
    return "  -  " if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


def run(args: argparse.Namespace) -> int:
    from flagstone.evaluation import evaluate_scores, load_labelled
    from flagstone.evaluation.report import score_all
    from flagstone.models.registry import load_model
    from flagstone.settings import load_settings

    settings = load_settings(args.config, model_dir=args.model_dir)
    data = load_labelled(args.data, text_field=args.text_field)
    model = load_model(settings.model_dir)
    with Progress(len(data), "scoring") as bar:
        scores = score_all(model, data.texts, max_chunks=settings.max_chunks_per_input, progress=bar.update)
    report = evaluate_scores(scores, data, model.info.thresholds, model=model.info.id, n_boot=args.bootstrap)
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
