"""``flagstone rules check [FILE]``: validate a detection rule file and dry-run it over the request log.

Without FILE it checks the rule file shipped in the package (the server's default).

Without a log, it only validates. With ``--log`` (the configured database) it replays the stored
requests through the rules and prints the alerts they would raise, without filing incidents.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections import Counter

from flagstone.cli.keys import add_db_arg, open_db


def _check(args: argparse.Namespace) -> int:
    from flagstone.abuse.requestlog import read_log
    from flagstone.abuse.rules import DEFAULT_RULES, evaluate_log, load_rules, load_shipped_rules

    rules = load_rules(args.file) if args.file else load_shipped_rules()
    kinds = Counter(r.kind for r in rules)
    print(f"{args.file or DEFAULT_RULES}: OK, {len(rules)} enabled rule(s): " + ", ".join(f"{k} x{n}" for k, n in sorted(kinds.items())))
    if not args.log:
        return 0
    records = list(read_log(open_db(args), since=args.since, until=args.until))
    alerts = evaluate_log(rules, records)
    print(f"dry run over {len(records)} logged request(s): {len(alerts)} alert(s)")
    by_rule = Counter(a.rule for a in alerts)
    for r in rules:
        print(f"  {r.config.name:<30} {by_rule.get(r.config.name, 0):>6}")
    for a in alerts[: args.show]:
        when = dt.datetime.fromtimestamp(a.ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        print(f"  {when}  {a.rule:<24} {a.subject:<28} {a.message}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("rules", help="validate and dry-run detection rules")
    sub = p.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    c = sub.add_parser("check", help="validate a rule file; with --log, dry-run it over the request log")
    c.add_argument("file", nargs="?", help="rule file (default: the rules shipped in the package)")
    c.add_argument("--log", action="store_true", help="replay the stored request log through the rules")
    c.add_argument("--since", type=float, help="only requests at or after this Unix time")
    c.add_argument("--until", type=float, help="only requests before this Unix time")
    c.add_argument("--show", type=int, default=20, help="alerts to print (default 20)")
    add_db_arg(c)
    c.set_defaults(func=_check)
