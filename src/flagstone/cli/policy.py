"""``flagstone policy``: import, list, show, diff and apply versioned policies."""

from __future__ import annotations

import argparse
import json


def _store(args):
    from flagstone.store import open_store

    return open_store(args.settings)


def _import(args) -> int:
    from flagstone.policy.versions import import_policy

    store = _store(args)
    v, created = import_policy(store, args.file)
    print(f"{'imported' if created else 'already stored'} {v.name} {v.version} {v.short}")
    return 0


def _list(args) -> int:
    from flagstone.policy.versions import list_versions

    for v in list_versions(_store(args)):
        mark = "*" if v.is_current else " "
        print(f"{mark} {v.short}  {v.name} {v.version}  {v.created_at:%Y-%m-%d %H:%M}  {v.source or ''}")
    return 0


def _show(args) -> int:
    from flagstone.policy.versions import get_policy

    v, policy = get_policy(_store(args), args.version)
    print(f"{v.name} {v.version} {v.hash}{'  (current)' if v.is_current else ''}")
    cats = [args.category] if args.category else list(policy.categories)
    for cat in cats:
        if cat not in policy.categories:
            print(f"unknown category {cat!r}; available: {', '.join(policy.categories)}")
            return 2
        sec = policy.categories[cat]
        target = (f"precision>={sec.target_precision}" if sec.target_precision is not None
                  else f"recall>={sec.target_recall}")
        print(f"\n[{cat}] target {target}\n  {sec.definition}")
        if args.category:
            for fld in ("includes", "excludes", "positive_examples", "negative_examples"):
                print(f"  {fld}:")
                for x in getattr(sec, fld):
                    print(f"    - {x}")
    return 0


def _diff(args) -> int:
    from flagstone.policy.versions import diff_versions

    d = diff_versions(_store(args), args.a, args.b)
    if args.json:
        print(json.dumps([{"category": c.category, "status": c.status, "changes": list(c.changes),
                           "details": c.details} for c in d.categories], indent=2, ensure_ascii=False))
        return 0
    print(f"{d.old} -> {d.new}: {len(d.changed)} of {len(d.categories)} categories differ")
    for c in d.changed:
        print(f"  {c.category}: {c.status} ({', '.join(c.changes)})")
        for fld, det in c.details.items():
            if "added" in det:
                for x in det["added"]:
                    print(f"      + {fld}: {x}")
                for x in det["removed"]:
                    print(f"      - {fld}: {x}")
            else:
                print(f"      {fld}: {det['old']!r} -> {det['new']!r}")
    return 0


def _apply(args) -> int:
    from flagstone.data.relabel import apply_policy

    moderator = None
    if args.model:
        from flagstone.models.kinds import load_model

        moderator = load_model(args.model)
    r = apply_policy(_store(args), args.version, moderator=moderator)
    print(f"current policy: {r.version} (was {r.previous or 'none'})")
    for cat in r.changed_categories:
        print(f"  {cat}: meaning changed, {r.queued.get(cat, 0)} relabel requests queued")
    if r.previous and not r.changed_categories:
        print("  no category changed meaning; nothing to relabel")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("policy", help="versioned content policies")
    sub = p.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    s = sub.add_parser("import", help="store a policy file as a new immutable version")
    s.add_argument("file")
    s.set_defaults(func=_import)
    s = sub.add_parser("list", help="list stored versions (* = current)")
    s.set_defaults(func=_list)
    s = sub.add_parser("show", help="show a version (hash prefix, version string or 'current')")
    s.add_argument("version")
    s.add_argument("--category", help="show one category in full")
    s.set_defaults(func=_show)
    s = sub.add_parser("diff", help="per-category differences between two versions")
    s.add_argument("a")
    s.add_argument("b")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_diff)
    s = sub.add_parser("apply", help="make a version current and queue relabeling for changed categories")
    s.add_argument("version")
    s.add_argument("--model", help="model artifact directory used to prioritise relabel requests")
    s.set_defaults(func=_apply)
