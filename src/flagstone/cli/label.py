"""``flagstone label``: the LLM labeler, LLM-versus-human agreement, UI accounts and gold items."""

from __future__ import annotations

import argparse
import getpass
import os


def _store(args):
    from flagstone.store import open_store

    settings = args.settings
    return settings, open_store(settings)


def _version(store, policy_file: str | None):
    from flagstone.policy.versions import current_version, import_policy, load_version_policy

    if policy_file:
        version, _ = import_policy(store, policy_file)
    else:
        with store.connect() as conn:
            version = current_version(conn)
    with store.connect() as conn:
        return version, load_version_policy(conn, version.id)


def _llm(args) -> int:
    from flagstone.labeling.cache import LabelCache
    from flagstone.labeling.jobs import label_dataset
    from flagstone.labeling.llm import LLMConfig, LLMLabeler

    settings, store = _store(args)
    version, policy = _version(store, args.policy)
    cfg = LLMConfig(model=args.model, base_url=args.base_url, api_key=os.environ.get(args.api_key_env) or "not-needed",
                    timeout_s=args.timeout, max_attempts=args.max_attempts, concurrency=args.concurrency,
                    json_mode=not args.no_json_mode)
    cache = LabelCache(settings.data_dir / "llm_label_cache.sqlite")
    labeler = LLMLabeler(cfg, policy, cache=cache)
    try:
        s = label_dataset(store, args.dataset, labeler, version, limit=args.limit)
    finally:
        labeler.close()
        cache.close()
    print(f"{args.dataset}: {s.items} items, {s.skipped_done} already labelled by llm:{args.model} under policy "
          f"{version.version} ({version.hash[:12]})")
    print(f"labelled {s.labelled} ({s.cached} from cache), failed {s.failed}; tokens: {s.prompt_tokens} prompt, "
          f"{s.completion_tokens} completion")
    for key, err in s.failures[:20]:
        print(f"  failed {key[:12]}: {err}")
    return 1 if s.failed and not s.labelled else 0


def _agreement(args) -> int:
    from flagstone.labeling.jobs import llm_vs_human

    _, store = _store(args)
    version, _ = _version(store, None) if not args.any_policy else (None, None)
    rep, texts = llm_vs_human(store, args.dataset, args.model, version)
    print(f"llm:{args.model} vs people on {rep.n_items} items of {args.dataset}")
    print(f"{'category':<24}{'n':>6}{'agree':>8}{'kappa':>8}{'llm only':>10}{'human only':>12}")
    for r in rep.categories:
        agree = f"{r.agreement:.3f}" if r.agreement is not None else "-"
        kappa = f"{r.kappa:.3f}" if r.kappa is not None else "-"
        print(f"{r.category:<24}{r.n:>6}{agree:>8}{kappa:>8}{r.llm_only:>10}{r.human_only:>12}")
    if rep.disagreements:
        print(f"\n{len(rep.disagreements)} disagreements (each may point at unclear policy wording):")
    for d in rep.disagreements[: args.show]:
        text = " ".join(texts.get(d.item_key, "").split())[:100]
        print(f"- [{d.category}] llm={int(d.llm)} human={int(d.human)} {d.item_key[:12]} {text!r}")
        if d.rationale:
            print(f"    llm rationale: {d.rationale}")
    return 0


def _user_add(args) -> int:
    from flagstone.labeling.ui.work import create_user

    _, store = _store(args)
    password = os.environ.get("FLAGSTONE_UI_PASSWORD") or getpass.getpass(f"password for {args.username}: ")
    user = create_user(store, args.username, password, args.role)
    print(f"created {user.username} ({user.role})")
    return 0


def _gold_add(args) -> int:
    from flagstone.labeling.ui.work import add_gold
    from flagstone.policy.taxonomy import CATEGORIES

    _, store = _store(args)
    positive = {c.strip() for c in args.positive.split(",") if c.strip()}
    add_gold(store, args.item_key, {c: c in positive for c in CATEGORIES} | {c: True for c in positive})
    print(f"gold item {args.item_key[:12]}: positive {sorted(positive) or 'none'}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("label", help="LLM labeling, agreement with people, UI accounts and gold")
    sub = p.add_subparsers(dest="label_command", metavar="ACTION", required=True)
    s = sub.add_parser("llm", help="label a dataset through an OpenAI-compatible chat-completions server")
    s.add_argument("--dataset", required=True)
    s.add_argument("--model", required=True, help="model name the server knows")
    s.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8080/v1")
    s.add_argument("--api-key-env", default="OPENAI_API_KEY", help="environment variable holding the key")
    s.add_argument("--policy", help="policy file to use (imported first); default: the current version")
    s.add_argument("--limit", type=int)
    s.add_argument("--concurrency", type=int, default=4)
    s.add_argument("--timeout", type=float, default=60.0)
    s.add_argument("--max-attempts", type=int, default=4)
    s.add_argument("--no-json-mode", action="store_true", help="do not send response_format=json_object")
    s.set_defaults(func=_llm)
    s = sub.add_parser("agreement", help="LLM-versus-human agreement per category and the disagreements")
    s.add_argument("--dataset", required=True)
    s.add_argument("--model", required=True)
    s.add_argument("--show", type=int, default=20, help="disagreements to list")
    s.add_argument("--any-policy", action="store_true", help="count LLM labels made under any policy version")
    s.set_defaults(func=_agreement)
    s = sub.add_parser("user", help="UI accounts")
    us = s.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    a = us.add_parser("add", help="create an account (password from FLAGSTONE_UI_PASSWORD or a prompt)")
    a.add_argument("username")
    a.add_argument("--role", default="annotator", choices=("admin", "annotator", "viewer"))
    a.set_defaults(func=_user_add)
    s = sub.add_parser("gold", help="gold items mixed into labeling queues")
    gs = s.add_subparsers(dest="gold_command", metavar="ACTION", required=True)
    a = gs.add_parser("add", help="mark an item as gold with its expected positive categories")
    a.add_argument("item_key")
    a.add_argument("--positive", default="", help="comma-separated categories that apply (none: empty)")
    a.set_defaults(func=_gold_add)
