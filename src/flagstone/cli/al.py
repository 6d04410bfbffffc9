"""``flagstone al``: fill a labeling queue with an active-learning strategy; add pseudo-labels."""

from __future__ import annotations

import argparse


def _store_and_model(args):
    from flagstone.models.kinds import load_model
    from flagstone.store import open_store

    settings = args.settings
    return open_store(settings), load_model(args.model or settings.model_dir)


def _select(args) -> int:
    from flagstone.active.selection import select_to_queue

    store, model = _store_and_model(args)
    r = select_to_queue(store, args.pool, args.budget, args.strategy, model, queue=args.queue, seed=args.seed)
    if not r.pool_size:
        print(f"nothing to select: every item of {args.pool} is labelled or already queued")
        return 0
    print(f"queued {r.queued} of {r.pool_size} unlabelled items of {args.pool} in queue {r.queue} ({r.strategy})")
    return 0


def _pseudo(args) -> int:
    from flagstone.active.selection import add_pseudo_labels
    from flagstone.policy.versions import current_version

    store, model = _store_and_model(args)
    with store.connect() as conn:
        version = current_version(conn)
    n = add_pseudo_labels(store, args.pool, model, version.id, high=args.high, low=args.low)
    print(f"added pseudo-labels (marked is_pseudo, annotator model:{model.info.id}) to {n} items of {args.pool}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    from flagstone.active.strategies import available_strategies

    p = subparsers.add_parser("al", help="active learning: choose what people label next")
    sub = p.add_subparsers(dest="al_command", metavar="ACTION", required=True)
    s = sub.add_parser("select", help="fill a labeling queue from a pool dataset with a strategy")
    s.add_argument("--pool", required=True, help="dataset name in the store")
    s.add_argument("--budget", type=int, required=True, help="how many items to queue")
    s.add_argument("--strategy", default="uncertainty", help=f"one of: {', '.join(available_strategies())}")
    s.add_argument("--queue", help="queue name (default al-<pool>-<strategy>)")
    s.add_argument("--model", help="model artifact directory (default: settings.model_dir)")
    s.add_argument("--seed", type=int, default=0)
    s.set_defaults(func=_select)
    s = sub.add_parser("pseudo-label", help="self-training: store confident predictions as pseudo-labels")
    s.add_argument("--pool", required=True)
    s.add_argument("--model")
    s.add_argument("--high", type=float, default=0.95, help="score at or above which a category is 1")
    s.add_argument("--low", type=float, default=0.02, help="score at or below which a category is 0")
    s.set_defaults(func=_pseudo)
