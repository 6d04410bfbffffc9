"""``flagstone augment``: perturbed copies, template and LLM synthetic data, each through dedup and QC."""

from __future__ import annotations

import argparse
import os
import random
import sys

RARE = ["violence/graphic", "self-harm/instructions", "harassment/threatening", "hate/threatening", "sexual/minors"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("augment", help="augmentation and synthetic data (tagged, deduplicated, QC'd)")
    a = p.add_subparsers(dest="augment_command", metavar="SUBCOMMAND")

    pp = a.add_parser("perturb", help="label-preserving perturbed copies of a labelled file")
    pp.add_argument("data", help="labelled .jsonl/.csv (text + labels)")
    pp.add_argument("--attacks", help="comma-separated label-preserving attacks (default: character + word)")
    pp.add_argument("--fraction", type=float, default=0.3, help="share of rows to perturb (default 0.3)")
    pp.add_argument("--copies", type=int, default=1)
    pp.add_argument("--text-field")
    _common(pp)
    pp.set_defaults(func=run_perturb)

    tp = a.add_parser("templates", help="fill the policy-derived templates for the rarest categories")
    tp.add_argument("--categories", default=",".join(RARE), help="comma-separated (default: the five rarest)")
    tp.add_argument("--n", type=int, default=200, help="items per category before QC")
    tp.add_argument("--policy", help="policy YAML (default: the settings' policy)")
    _common(tp)
    tp.set_defaults(func=run_templates)

    lp = a.add_parser("llm", help="few-shot generation through an OpenAI-compatible server")
    lp.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8000/v1")
    lp.add_argument("--model", required=True)
    lp.add_argument("--api-key-env", default="OPENAI_API_KEY", help="environment variable holding the key")
    lp.add_argument("--categories", default=",".join(RARE))
    lp.add_argument("--n", type=int, default=50, help="items per category before QC")
    lp.add_argument("--per-request", type=int, default=5)
    lp.add_argument("--temperature", type=float, default=0.9)
    lp.add_argument("--policy")
    _common(lp)
    lp.set_defaults(func=run_llm)
    p.set_defaults(func=lambda args: (p.print_help(), 1)[1])


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="output JSONL of items that passed QC")
    p.add_argument("--rejected", help="also write rejected items with their reason to this JSONL")
    p.add_argument("--existing", help="labelled file whose texts count as already in the training data")
    p.add_argument("--seed", type=int, default=0)


def _finish(args: argparse.Namespace, items, policy=None, existing: list[str] | None = None) -> int:
    import json

    from flagstone.augment.base import write_items
    from flagstone.augment.qc import check_items
    from flagstone.evaluation.labelled import load_labelled

    existing = list(existing or [])
    if args.existing:
        existing += load_labelled(args.existing).texts
    examples = ([e for cp in policy.categories.values() for e in cp.positive_examples + cp.negative_examples]
                if policy is not None else [])
    result = check_items(items, existing=existing, policy_examples=examples)
    n = write_items(result.kept, args.out)
    if args.rejected:
        with open(args.rejected, "w", encoding="utf-8") as fh:
            for it, reason in result.rejected:
                fh.write(json.dumps({**it.to_json(), "reason": reason}, ensure_ascii=False) + "\n")
    by_origin: dict[str, int] = {}
    for it in result.kept:
        kind = it.origin.split(":", 1)[0] + ":" + it.meta.get("category", it.meta.get("attack", ""))
        by_origin[kind] = by_origin.get(kind, 0) + 1
    print(f"generated {len(items)}, kept {n} after QC, rejected {len(result.rejected)} {result.reasons()}")
    for k, v in sorted(by_origin.items()):
        print(f"  {k:<45}{v:>6}")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _policy(args: argparse.Namespace):
    from flagstone.policy import load_policy

    return load_policy(args.policy or args.settings.policy_path)


def _split(s: str) -> list[str]:
    return [x.strip() for x in s.split(",") if x.strip()]


def run_perturb(args: argparse.Namespace) -> int:
    from flagstone.augment.perturb import AugmentSpec, perturb_rows
    from flagstone.errors import ConfigError
    from flagstone.evaluation.labelled import load_labelled
    from flagstone.policy.taxonomy import CATEGORIES

    try:
        spec = AugmentSpec(fraction=args.fraction, copies=args.copies, seed=args.seed,
                           **({"attacks": _split(args.attacks)} if args.attacks else {}))
    except ValueError as exc:
        raise ConfigError(f"invalid augmentation settings: {exc}") from exc
    data = load_labelled(args.data, text_field=args.text_field)
    rows = [(t, {c: int(v) for c, v in zip(CATEGORIES, row, strict=True) if v == v})
            for t, row in zip(data.texts, data.labels, strict=True)]
    return _finish(args, perturb_rows(rows, spec), existing=data.texts)


def run_templates(args: argparse.Namespace) -> int:
    from flagstone.augment.templates import TemplateGenerator

    policy = _policy(args)
    gen = TemplateGenerator(policy)
    return _finish(args, gen.generate(_split(args.categories), args.n, random.Random(args.seed)), policy)


def run_llm(args: argparse.Namespace) -> int:
    from flagstone.augment.llm import LLMGenerator
    from flagstone.labeling.llm import LLMConfig

    policy = _policy(args)
    config = LLMConfig(model=args.model, base_url=args.base_url, temperature=args.temperature,
                       api_key=os.environ.get(args.api_key_env, "not-needed"))
    gen = LLMGenerator(config, policy, per_request=args.per_request)
    try:
        items = gen.generate(_split(args.categories), args.n, random.Random(args.seed))
    finally:
        gen.close()
    if gen.stats.failures:
        print(f"{len(gen.stats.failures)} requests failed; last: {gen.stats.failures[-1]}", file=sys.stderr)
    print(f"{gen.stats.requests} requests, {gen.stats.prompt_tokens} prompt + {gen.stats.completion_tokens} "
          f"completion tokens")
    return _finish(args, items, policy)
