"""Looking at data: dataset summaries, item history, sampling, SQL over snapshots, export.

The CLI (``flagstone data show | sample | query | export``) is a thin layer over these functions.
``query`` runs DuckDB over snapshot Parquet files: each dataset's latest snapshot is a view named
after the dataset (non-word characters become ``_``), and ``snapshot`` is the first one named.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlalchemy import func, select

from flagstone.data.snapshots import dataset_id, list_snapshots, read_snapshot, resolve_snapshot
from flagstone.data.transforms import filter_rows, sample
from flagstone.errors import InvalidRequestError, NotFoundError
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.store.engine import Store
from flagstone.store.tables import (
    annotators,
    dataset_items,
    datasets,
    imports,
    items,
    labels,
    policy_versions,
)

EXPORT_FORMATS = ("jsonl", "csv", "parquet")


def show_dataset(store: Store, name: str) -> dict:
    with store.connect() as conn:
        ds = dataset_id(conn, name)
        n_items = conn.execute(select(func.count()).select_from(dataset_items)
                               .where(dataset_items.c.dataset_id == ds)).scalar_one()
        per_cat = conn.execute(select(labels.c.category, labels.c.value, func.count())
                               .join(dataset_items, dataset_items.c.item_key == labels.c.item_key)
                               .where(dataset_items.c.dataset_id == ds)
                               .group_by(labels.c.category, labels.c.value)).all()
        imps = conn.execute(select(imports.c.file_name, imports.c.rows_total, imports.c.rows_rejected,
                                   imports.c.created_at).where(imports.c.dataset_id == ds)
                            .order_by(imports.c.id)).all()
    cats: dict[str, dict[str, int]] = {}
    for c, v, n in per_cat:
        cats.setdefault(c, {"0": 0, "1": 0})[str(v)] = n
    return {"dataset": name, "items": n_items, "label_rows": cats,
            "imports": [dict(r._mapping) for r in imps], "snapshots": list_snapshots(store, name)}


def list_datasets(store: Store) -> list[str]:
    with store.connect() as conn:
        return sorted(conn.execute(select(datasets.c.name)).scalars())


def item_history(store: Store, key_prefix: str) -> dict:
    """An item and every label ever made for it (who, under which policy version, when)."""
    if len(key_prefix) < 6:
        raise InvalidRequestError("give at least 6 characters of the item key")
    with store.connect() as conn:
        found = conn.execute(select(items.c.key, items.c.text).where(items.c.key.like(f"{key_prefix}%"))
                             .limit(2)).all()
        if not found:
            raise NotFoundError(f"no item with key {key_prefix}…")
        if len(found) > 1:
            raise InvalidRequestError(f"item key prefix {key_prefix} is ambiguous")
        key, text = found[0]
        hist = conn.execute(select(labels.c.category, labels.c.value, labels.c.score, labels.c.is_pseudo,
                                   labels.c.created_at, annotators.c.kind, annotators.c.name,
                                   policy_versions.c.version, policy_versions.c.hash)
                            .join(annotators, annotators.c.id == labels.c.annotator_id)
                            .join(policy_versions, policy_versions.c.id == labels.c.policy_version_id)
                            .where(labels.c.item_key == key).order_by(labels.c.created_at, labels.c.id)).all()
    return {"key": key, "text": text, "labels": [dict(r._mapping) for r in hist]}


def select_rows(table: pa.Table, *, split: str | None = None, category: str | None = None,
                value: int | None = None) -> pa.Table:
    if split:
        table = filter_rows(table, pc.field("split") == split)
    if category:
        if category not in CATEGORIES:
            raise InvalidRequestError(f"unknown category {category!r}; available: {', '.join(CATEGORIES)}")
        expr = pc.field(category).is_valid() if value is None else pc.field(category) == value
        table = filter_rows(table, expr)
    return table


def sample_snapshot(store: Store, ref: str, n: int, *, seed: int = 0, **filters) -> pa.Table:
    return sample(select_rows(read_snapshot(resolve_snapshot(store, ref)), **filters), n, seed=seed)


def _view_name(name: str) -> str:
    return re.sub(r"\W", "_", name)


def query(store: Store, sql: str, refs: list[str] | None = None) -> pa.Table:
    import duckdb

    con = duckdb.connect()
    try:
        views: dict[str, Path] = {}
        for name in list_datasets(store):
            snaps = list_snapshots(store, name)
            if snaps:
                views[_view_name(name)] = Path(snaps[-1]["path"])
        for i, ref in enumerate(refs or []):
            path = resolve_snapshot(store, ref)
            if i == 0:
                views["snapshot"] = path
            views[_view_name(ref)] = path
        for name, path in views.items():
            con.execute(f"CREATE VIEW \"{name}\" AS SELECT * FROM read_parquet('{path.as_posix()}')")
        try:
            return con.sql(sql).to_arrow_table()
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InvalidRequestError(f"query failed: {first}; views: {', '.join(sorted(views)) or 'none'}") from exc
    finally:
        con.close()


def export_table(table: pa.Table, out: str | Path, fmt: str | None = None) -> Path:
    path = Path(out)
    fmt = fmt or path.suffix.lstrip(".").lower()
    if fmt not in EXPORT_FORMATS:
        raise InvalidRequestError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if fmt == "parquet":
        pq.write_table(table, tmp, compression="zstd")
    elif fmt == "csv":
        pacsv.write_csv(table, tmp)
    else:
        with tmp.open("w", encoding="utf-8") as fh:
            for batch in table.to_batches(10_000):
                for row in batch.to_pylist():
                    fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    tmp.replace(path)
    return path
