"""``flagstone registry``: register model artifacts, move them between stages, gate promotion, roll back.

    flagstone registry register DIR
    flagstone registry list [--stage production]
    flagstone registry history [VERSION]
    flagstone registry promote VERSION --to production --suite suites/default.yaml
    flagstone registry rollback
"""

from __future__ import annotations

import argparse
import getpass
import json
import os

STAGES = ("candidate", "staging", "production", "archived")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("registry", help="model versions, stages, gated promotion and rollback")
    p.add_argument("--actor", help="who is acting (default: $FLAGSTONE_ACTOR or the login name)")
    s = p.add_subparsers(dest="registry_command", metavar="SUBCOMMAND", required=True)
    r = s.add_parser("register", help="record a model artifact folder as a candidate")
    r.add_argument("path")
    r.set_defaults(func=_register)
    ls = s.add_parser("list", help="list registered versions")
    ls.add_argument("--stage", choices=STAGES)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_list)
    h = s.add_parser("history", help="who moved what, when, and why")
    h.add_argument("version", nargs="?")
    h.set_defaults(func=_history)
    pr = s.add_parser("promote", help="move a version to a stage; production is gated by a suite")
    pr.add_argument("version")
    pr.add_argument("--to", required=True, choices=STAGES)
    pr.add_argument("--suite", help="evaluation suite YAML whose gates a production candidate must pass")
    pr.add_argument("--force", action="store_true", help="skip the gates (needs --reason; audited)")
    pr.add_argument("--reason")
    pr.add_argument("--bootstrap", type=int, help="bootstrap resamples for the comparison (default: suite's)")
    pr.set_defaults(func=_promote)
    rb = s.add_parser("rollback", help="restore the previous production model")
    rb.add_argument("--reason")
    rb.set_defaults(func=_rollback)


def _actor(args) -> str:
    return args.actor or os.environ.get("FLAGSTONE_ACTOR") or getpass.getuser()


def _registry(args):
    from flagstone.registry.store import ModelRegistry
    from flagstone.store import open_store

    return ModelRegistry(open_store(args.settings))


def _register(args) -> int:
    mv = _registry(args).register(args.path, actor=_actor(args))
    print(f"{mv.short} {mv.name} {mv.stage} {mv.path}")
    return 0


def _list(args) -> int:
    rows = _registry(args).versions(args.stage)
    if args.json:
        print(json.dumps([{"version": m.version, "name": m.name, "stage": m.stage, "path": str(m.path),
                           "created_at": m.created_at.isoformat()} for m in rows], indent=2))
        return 0
    print(f"{'version':<14}{'stage':<12}{'name':<24}{'registered':<22}path")
    for m in rows:
        print(f"{m.short:<14}{m.stage:<12}{m.name:<24}{m.created_at:%Y-%m-%d %H:%M:%S}   {m.path}")
    return 0


def _history(args) -> int:
    for e in _registry(args).history(args.version):
        print(f"{e.at:%Y-%m-%d %H:%M:%S}  {e.version[:12]}  {e.from_stage or '-':>10} -> {e.to_stage:<10}  "
              f"{e.actor:<12} {e.reason or ''}")
    return 0


def _promote(args) -> int:
    from flagstone.evaluation.compare import comparison_table
    from flagstone.evaluation.suites import load_suite
    from flagstone.registry.gate import promote

    suite = load_suite(args.suite) if args.suite else None
    result = promote(_registry(args), args.version, args.to, actor=_actor(args), suite=suite, force=args.force,
                     reason=args.reason, n_boot=args.bootstrap)
    if result.comparison is not None:
        print(comparison_table(result.comparison))
    for name, ov in result.overlap.items():  # suite items the candidate trained on (left out of the gate)
        print(f"overlap with training data, {name}: " + (f"{ov['exact']} exact, {ov['near']} near of {ov['items']}"
                                                         if ov.get("checked") else ov.get("note", "not checked")))
    print(f"{result.version.short} is now in {result.version.stage}")
    return 0


def _rollback(args) -> int:
    mv = _registry(args).rollback(actor=_actor(args), reason=args.reason)
    print(f"rolled back: {mv.short} ({mv.name}) is in production again")
    return 0
