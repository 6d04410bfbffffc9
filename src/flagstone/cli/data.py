"""``flagstone data``: import, snapshot, diff, qc, show, sample, query and export datasets."""

from __future__ import annotations

import argparse
import json
import sys


def _store(args):
    from flagstone.store import open_store

    return open_store(args.settings)


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


def _snapshot(args) -> int:
    from flagstone.data.snapshots import create_snapshot

    info = create_snapshot(_store(args), args.dataset, policy=args.policy)
    state = "written" if info.created else "unchanged (same content)"
    print(f"snapshot {info.id[:12]} of {info.dataset}: {info.n_items} items, {state}, "
          f"labels under policy {info.policy_hash[:12]}\n  {info.path}")
    return 0


def _diff(args) -> int:
    from flagstone.data.snapshots import diff_snapshots, read_snapshot, resolve_snapshot

    store = _store(args)
    a = read_snapshot(resolve_snapshot(store, args.a))
    b = read_snapshot(resolve_snapshot(store, args.b))
    d = diff_snapshots(a, b)
    print(f"added {len(d.added)} items, removed {len(d.removed)}, {d.n_label_changes} label changes")
    for cat, rows in d.label_changes.items():
        print(f"  {cat}: {len(rows)} changed")
        for key, old, new in rows[:args.limit]:
            print(f"    {key[:12]} {old} -> {new}")
    for name, keys in (("added", d.added), ("removed", d.removed)):
        for key in keys[:args.limit]:
            print(f"  {name} {key[:12]}")
    return 0


def _qc(args) -> int:
    from pathlib import Path

    from flagstone.data.qc.report import QcOptions, run_qc, write_report

    store = _store(args)
    opts = QcOptions(near_threshold=args.near_threshold, max_chars=args.max_chars)
    report = run_qc(store, args.dataset, opts)
    html, js = write_report(report, Path(args.out) if args.out else store.data_dir / "reports", opts)
    s = report.summary
    print(f"qc {args.dataset}: {s['items']} items in {report.timings['total']:.1f} s")
    print(f"  empty {s['empty']}, over-long {s['over_long']}, non-text {s['non_text']}")
    print(f"  exact duplicates {s['exact_duplicate_items']} in {s['exact_duplicate_groups']} groups, "
          f"near-duplicate pairs {s['near_duplicate_pairs']}")
    print(f"  conflicts {sum(s['conflicts'].values())} {s['conflicts'] or ''}")
    mh = s["machine_human_disagreements"]
    print(f"  machine labels disagreeing with people {sum(mh.values())} {mh or ''}")
    print(f"  likely label errors {sum(s['likely_label_errors'].values())} {s['likely_label_errors'] or ''}")
    leak = s["leakage_pairs"]
    print(f"  train/test leakage pairs: {'not checked (no splits)' if leak is None else leak}")
    for cat, a in s["alpha"].items():
        print(f"  Krippendorff's alpha {cat}: {'undefined (no variation)' if a != a else f'{a:.3f}'}")
    for cat, why in report.details["label_errors_skipped"].items():
        print(f"  label errors not searched for {cat}: {why}")
    if s["poor_annotators"]:
        print(f"  annotators agreeing poorly with gold: {', '.join(s['poor_annotators'])}")
    print(f"report: {html}\n        {js}")
    return 0


def _show(args) -> int:
    from flagstone.data.explore import item_history, list_datasets, show_dataset
    from flagstone.data.labels import annotator_label

    store = _store(args)
    if args.item:
        h = item_history(store, args.item)
        print(f"{h['key']}\n{h['text']}\n")
        for lab in h["labels"]:
            who = annotator_label(lab["kind"], lab["name"])
            print(f"  {lab['created_at']:%Y-%m-%d %H:%M} {lab['category']}={lab['value']} by {who}"
                  f" under {lab['version']} ({lab['hash'][:12]})")
        return 0
    if not args.dataset:
        for name in list_datasets(store):
            print(name)
        return 0
    info = show_dataset(store, args.dataset)
    print(f"{info['dataset']}: {info['items']} items")
    for cat, counts in sorted(info["label_rows"].items()):
        print(f"  {cat}: {counts['1']} positive / {counts['0']} negative label rows")
    for imp in info["imports"]:
        print(f"  import {imp['file_name']}: {imp['rows_total']} rows, {imp['rows_rejected']} rejected")
    for snap in info["snapshots"]:
        print(f"  snapshot {snap['id'][:12]}: {snap['n_items']} items")
    return 0


def _filters(args) -> dict:
    return {"split": args.split, "category": args.category, "value": args.value}


def _sample(args) -> int:
    from flagstone.data.explore import sample_snapshot

    t = sample_snapshot(_store(args), args.snapshot, args.n, seed=args.seed, **_filters(args))
    for row in t.to_pylist():
        print(json.dumps({k: v for k, v in row.items() if v is not None}, ensure_ascii=False))
    return 0


def _query(args) -> int:
    from flagstone.data.explore import query

    t = query(_store(args), args.sql, args.snapshot)
    print("\t".join(t.column_names))
    for row in t.slice(0, args.limit).to_pylist():
        print("\t".join("" if v is None else str(v) for v in row.values()))
    if t.num_rows > args.limit:
        print(f"... {t.num_rows - args.limit} more rows", file=sys.stderr)
    return 0


def _export(args) -> int:
    from flagstone.data.explore import export_table, query, select_rows
    from flagstone.data.snapshots import read_snapshot, resolve_snapshot

    store = _store(args)
    if args.where:
        t = query(store, f"SELECT * FROM snapshot WHERE {args.where}", [args.snapshot])
    else:
        t = read_snapshot(resolve_snapshot(store, args.snapshot))
    t = select_rows(t, **_filters(args))
    path = export_table(t, args.out, args.format)
    print(f"wrote {t.num_rows} rows to {path}")
    return 0


def _add_filters(s) -> None:
    s.add_argument("--split", choices=["train", "calibration", "dev", "test"])
    s.add_argument("--category", help="keep rows labeled for this category")
    s.add_argument("--value", type=int, choices=[0, 1], help="with --category: keep this label value")


def _register_more(sub) -> None:
    s = sub.add_parser("snapshot", help="write an immutable snapshot (Parquet + manifest) of a dataset")
    s.add_argument("dataset")
    s.add_argument("--policy", help="resolve labels under this policy version (hash prefix or version; "
                                    "default: the current one)")
    s.set_defaults(func=_snapshot)
    s = sub.add_parser("diff", help="items added, removed and labels changed between two snapshots")
    s.add_argument("a", help="snapshot id prefix, dataset name (latest) or .parquet path")
    s.add_argument("b")
    s.add_argument("--limit", type=int, default=10, help="examples to print per kind")
    s.set_defaults(func=_diff)
    s = sub.add_parser("qc", help="quality control: print a summary and write an HTML report")
    s.add_argument("dataset")
    s.add_argument("--out", help="report directory (default: <data_dir>/reports)")
    s.add_argument("--near-threshold", type=float, default=0.8, help="MinHash Jaccard for near duplicates")
    s.add_argument("--max-chars", type=int, default=32_000, help="longer items are flagged over-long")
    s.set_defaults(func=_qc)
    s = sub.add_parser("show", help="list datasets, summarise one, or show an item's label history")
    s.add_argument("dataset", nargs="?")
    s.add_argument("--item", help="item key prefix: show its text and every label")
    s.set_defaults(func=_show)
    s = sub.add_parser("sample", help="print a deterministic sample of a snapshot as JSONL")
    s.add_argument("snapshot")
    s.add_argument("-n", type=int, default=10)
    s.add_argument("--seed", type=int, default=0)
    _add_filters(s)
    s.set_defaults(func=_sample)
    s = sub.add_parser("query", help="run SQL (DuckDB) over snapshots; datasets are views by name")
    s.add_argument("sql")
    s.add_argument("--snapshot", action="append", help="also expose this snapshot (first one as 'snapshot')")
    s.add_argument("--limit", type=int, default=50)
    s.set_defaults(func=_query)
    s = sub.add_parser("export", help="write a snapshot (filtered) as JSONL, CSV or Parquet")
    s.add_argument("snapshot")
    s.add_argument("--out", required=True)
    s.add_argument("--format", choices=["jsonl", "csv", "parquet"], help="default: from --out suffix")
    s.add_argument("--where", help="SQL condition over snapshot columns (DuckDB)")
    _add_filters(s)
    s.set_defaults(func=_export)
    from flagstone.cli.eval import add_refresh_validation  # issue 5: lives with evaluation

    add_refresh_validation(sub)
