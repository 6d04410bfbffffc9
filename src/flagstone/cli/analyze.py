"""``flagstone analyze usage``: flagged rates per account/day/category, top accounts and the abuse
rules (``--rules``, the same YAML as the streaming path) over an exported request log.

With ``--output DIR`` it writes ``rates.parquet``, ``top_accounts.json`` and ``alerts.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _usage(args: argparse.Namespace) -> int:
    import pyarrow.parquet as pq

    from flagstone.cli.score import engine_settings
    from flagstone.scale.base import UsageJob, get_engine

    engine = get_engine(args.engine, engine_settings(args))
    job = UsageJob(log=args.log, top=args.top, rules=Path(args.rules) if args.rules else None)
    try:
        report = engine.usage(job)
    finally:
        engine.stop()
    t = report.totals
    rate = t["flagged"] / t["requests"] if t["requests"] else 0.0
    print(f"{t['requests']} requests, {t['flagged']} flagged ({rate:.2%}), {t['accounts']} accounts, "
          f"{t['days']} days")
    print(f"\ntop {len(report.top_accounts)} accounts by flagged requests:")
    print(f"  {'account':<24} {'requests':>10} {'flagged':>10} {'rate':>8}")
    for row in report.top_accounts:
        print(f"  {row['account_id']:<24} {row['requests']:>10} {row['flagged']:>10} {row['rate']:>8.2%}")
    if job.rules is not None:
        print(f"\n{len(report.rule_alerts)} rule alerts")
        for a in report.rule_alerts[:args.show_alerts]:
            print(f"  [{a['severity']}] {a['rule']} {a['subject']}: {a['message']}")
    if args.output:
        out = Path(args.output)
        out.mkdir(parents=True, exist_ok=True)
        pq.write_table(report.rates, out / "rates.parquet")
        (out / "top_accounts.json").write_text(json.dumps(report.top_accounts, indent=2) + "\n")
        with (out / "alerts.jsonl").open("w", encoding="utf-8") as fh:
            for a in report.rule_alerts:
                fh.write(json.dumps(a) + "\n")
        print(f"\nwrote rates.parquet, top_accounts.json, alerts.jsonl to {out}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from flagstone.cli.score import add_engine_args

    p = sub.add_parser("analyze", help="analytics over exported logs (local or Spark)")
    inner = p.add_subparsers(dest="analyze_command", metavar="SUBCOMMAND")
    u = inner.add_parser("usage", help="flagged rates, top accounts and abuse rules over a request log",
                         description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    u.add_argument("--log", required=True, help="exported request log: a Parquet file or folder")
    u.add_argument("--rules", help="abuse rule YAML to evaluate in batch")
    u.add_argument("--top", type=int, default=10, help="how many top accounts (default 10)")
    u.add_argument("--show-alerts", type=int, default=20, help="alerts to print (all go to --output)")
    u.add_argument("--output", help="folder for rates.parquet, top_accounts.json, alerts.jsonl")
    add_engine_args(u)
    u.set_defaults(func=_usage)
    p.set_defaults(func=lambda args: (p.print_help(), 1)[1])
