"""``flagstone incidents list | show | export | status | note | act | clusters``: triage abuse incidents.

Every change is recorded in the audit log with the actor (``--actor``, default the OS user).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

from flagstone.cli.keys import actor, add_db_arg, open_db


def _when(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M")


def _store(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from flagstone.abuse.incidents import IncidentStore

    return IncidentStore(open_db(args))


def _list(args: argparse.Namespace) -> int:
    rows = _store(args).list(args.status)
    print(f"{'ID':>5}  {'STATUS':<14}{'SEVERITY':<10}{'ALERTS':>6}  {'UPDATED':<17} TITLE")
    for i in rows:
        print(f"{i.id:>5}  {i.status:<14}{i.severity:<10}{i.alerts:>6}  {_when(i.updated_at):<17} {i.title}")
    return 0


def _show(args: argparse.Namespace) -> int:
    print(_store(args).export(args.id, "markdown"), end="")
    return 0


def _export(args: argparse.Namespace) -> int:
    text = _store(args).export(args.id, args.format)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        print(text, end="")
    return 0


def _status(args: argparse.Namespace) -> int:
    inc = _store(args).set_status(args.id, args.status, actor=actor(args))
    print(f"incident #{inc.id} is now {inc.status}")
    return 0


def _note(args: argparse.Namespace) -> int:
    _store(args).add_note(args.id, args.text, author=actor(args))
    print(f"note added to incident #{args.id}")
    return 0


def _act(args: argparse.Namespace) -> int:
    from flagstone.errors import InvalidRequestError

    params: dict = {}
    if args.threshold:
        thresholds = {}
        for item in args.threshold:
            cat, sep, value = item.partition("=")
            try:
                thresholds[cat] = float(value)
            except ValueError:
                sep = ""
            if not sep:
                raise InvalidRequestError(f"--threshold expects CATEGORY=VALUE, got {item!r}")
        params["thresholds"] = thresholds
    if args.reason:
        params["reason"] = args.reason
    result = _store(args).act(args.id, args.action, args.target, actor=actor(args), params=params)
    print(f"{args.action} on {args.target}: {json.dumps(result, sort_keys=True)}")
    return 0


def _clusters(args: argparse.Namespace) -> int:
    from flagstone.abuse.clusters import discover_clusters
    from flagstone.abuse.requestlog import read_log

    end = args.until or time.time()
    start = end - args.window
    records = list(read_log(open_db(args), since=start, until=end))
    found = discover_clusters(records, start=start, end=end, similarity=args.similarity, min_size=args.min_size)
    if not any(r.text for r in records):
        print("no stored text in this window: clusters need request_log_content: full", file=sys.stderr)
    for c in found:
        mix = ", ".join(f"{k} {v:.0%}" for k, v in c.categories.items()) or "near-threshold only"
        print(f"{'NEW ' if c.new else ''}cluster {c.id}: {c.size} texts from {c.accounts} account(s), "
              f"growth x{c.growth:.1f}, {mix}")
        for ex in c.examples:
            print(f"    - {ex[:120]!r}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    from flagstone.abuse.incidents import ACTIONS, STATUSES

    p = subparsers.add_parser("incidents", help="list, show, triage and export abuse incidents")
    sub = p.add_subparsers(dest="incidents_command", metavar="ACTION", required=True)
    ls = sub.add_parser("list", help="list incidents, most recently updated first")
    ls.add_argument("--status", choices=STATUSES)
    ls.set_defaults(func=_list)
    sh = sub.add_parser("show", help="show an incident with its evidence, notes and audit log")
    sh.add_argument("id", type=int)
    sh.set_defaults(func=_show)
    ex = sub.add_parser("export", help="export an incident report")
    ex.add_argument("id", type=int)
    ex.add_argument("--format", choices=("markdown", "html"), default="markdown")
    ex.add_argument("-o", "--output", help="write to this file instead of stdout")
    ex.set_defaults(func=_export)
    st = sub.add_parser("status", help="move an incident to another status")
    st.add_argument("id", type=int)
    st.add_argument("status", choices=STATUSES)
    st.set_defaults(func=_status)
    nt = sub.add_parser("note", help="add a note")
    nt.add_argument("id", type=int)
    nt.add_argument("text")
    nt.set_defaults(func=_note)
    ac = sub.add_parser("act", help="take an action: " + ", ".join(ACTIONS.names()))
    ac.add_argument("id", type=int)
    ac.add_argument("action", choices=ACTIONS.names())
    ac.add_argument("target", help="a key id (revoke_key) or an account (block_account, tighten_thresholds)")
    ac.add_argument("--threshold", action="append", metavar="CATEGORY=VALUE", help="for tighten_thresholds")
    ac.add_argument("--reason", help="for block_account")
    ac.set_defaults(func=_act)
    cl = sub.add_parser("clusters", help="list clusters of flagged / near-threshold texts in a window")
    cl.add_argument("--window", type=float, default=3600.0, help="seconds (default 3600)")
    cl.add_argument("--until", type=float, help="window end, Unix time (default now)")
    cl.add_argument("--similarity", type=float, default=0.6)
    cl.add_argument("--min-size", type=int, default=3)
    cl.set_defaults(func=_clusters)
    for q in (st, nt, ac):
        q.add_argument("--actor", help="who is doing this (default: the OS user)")
    for q in (ls, sh, ex, st, nt, ac, cl):
        add_db_arg(q)
