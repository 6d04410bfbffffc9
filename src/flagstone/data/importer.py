"""Import a JSONL, JSON, CSV/TSV or Parquet file into a dataset: atomic, idempotent, every label traceable.

* **Atomic.** The whole import is one database transaction: a bad row (without ``skip_bad``), an
  exception or a killed process leaves the store exactly as it was.
* **Idempotent.** A file already imported into the dataset with the same mapping (same file hash and
  mapping hash) is a no-op. Items are keyed by ``text_key`` and import labels by a reference built
  from (item, category, value, policy version), so overlapping files add only what is new.
* **Traceable.** Labels are made by the annotator ``import:<mapping name>`` under the current policy
  version; the import itself is recorded with its file hash and row counts.

Rows whose text column is missing, null or not a string, and rows whose label values the mapping
cannot interpret, are bad: they fail the import with their row number, or with ``skip_bad`` are
written (row number, reason, raw row) to a JSONL rejects file and skipped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, func, select

from flagstone.data.mapping import Mapping, get_path
from flagstone.data.readers import RowError
from flagstone.errors import DataError
from flagstone.policy.versions import current_version
from flagstone.store.bulk import insert_ignore
from flagstone.store.engine import Store, utcnow
from flagstone.store.tables import annotators, dataset_items, datasets, imports, items, labels
from flagstone.text.normalize import text_key

log = logging.getLogger(__name__)
BATCH_ROWS = 5000


@dataclass(frozen=True)
class ImportResult:
    dataset: str
    file: str
    file_hash: str
    already_imported: bool
    rows_total: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    new_items: int = 0
    new_labels: int = 0
    rejects_path: str | None = None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def get_or_create(conn: Connection, table, where: dict, values: dict | None = None) -> int:
    cond = [table.c[k] == v for k, v in where.items()]
    found = conn.execute(select(table.c.id).where(*cond)).scalar()
    if found is not None:
        return found
    return conn.execute(table.insert().values(**where, **(values or {})).returning(table.c.id)).scalar_one()


def _count(conn: Connection, table, *where) -> int:
    return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def _parse(row: dict | RowError, mapping: Mapping) -> tuple[str, str | None, dict, dict[str, int]]:
    """Return (text, source id, metadata, {category: 0|1}); raise ValueError with the reason."""
    if isinstance(row, RowError):
        raise ValueError(row.reason)
    text = get_path(row, mapping.columns.text)
    if text is None:
        raise ValueError(f"text column {mapping.columns.text!r} is missing or null")
    if not isinstance(text, str):
        raise ValueError(f"text column {mapping.columns.text!r} holds {type(text).__name__}, not text")
    sid = get_path(row, mapping.columns.id) if mapping.columns.id else None
    meta = {m: get_path(row, m) for m in mapping.columns.metadata}
    cats = mapping.labels_for(row)
    return text, None if sid is None else str(sid), meta, cats


class _Rejects:
    """Rejects go to a temporary file that is renamed into place only when the import commits."""

    def __init__(self, path: Path | None) -> None:
        self.path, self.count, self._fh = path, 0, None

    def add(self, n: int, reason: str, row: dict | RowError) -> None:
        self.count += 1
        if self.path is None:
            return
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(f"{self.path}.tmp", "w", encoding="utf-8")  # noqa: SIM115 - closed in finish
        raw = row.raw if isinstance(row, RowError) else row
        self._fh.write(json.dumps({"row": n, "reason": reason, "raw": raw}, ensure_ascii=False, default=str) + "\n")

    def finish(self, commit: bool) -> str | None:
        if self._fh is None:
            return None
        self._fh.close()
        if commit:
            os.replace(f"{self.path}.tmp", self.path)
            return str(self.path)
        os.unlink(f"{self.path}.tmp")
        return None


def import_file(store: Store, path: str | Path, dataset: str, mapping: Mapping, *,
                skip_bad: bool = False, rejects_path: str | Path | None = None,
                workers: int | None = None) -> ImportResult:
    """Import ``path`` into ``dataset``; ``workers`` > 0 normalises and keys rows in that many processes."""
    src = Path(path)
    mapping.file_format(src)  # an unknown suffix is an error before the file is hashed
    if not src.is_file():
        raise DataError("file not found", file=str(src))
    file_hash, map_hash = sha256_file(src), mapping.content_hash()
    with store.connect() as conn:
        ds_id = conn.execute(select(datasets.c.id).where(datasets.c.name == dataset)).scalar()
        if ds_id is not None and conn.execute(select(imports.c.id).where(
                imports.c.dataset_id == ds_id, imports.c.file_hash == file_hash,
                imports.c.mapping_hash == map_hash)).first():
            log.info("%s already imported into %s with this mapping; nothing to do", src, dataset)
            return ImportResult(dataset, str(src), file_hash, already_imported=True)
    if skip_bad and rejects_path is None:
        rejects_path = store.data_dir / "rejects" / f"{dataset}-{file_hash[:12]}.jsonl"
    rejects = _Rejects(Path(rejects_path) if rejects_path else None)
    try:
        n_workers = workers or 0
        result = _import_tx(store, src, dataset, mapping, file_hash, map_hash, skip_bad, rejects,
                            n_workers)
    except BaseException:
        rejects.finish(commit=False)
        raise
    return ImportResult(**{**result.__dict__, "rejects_path": rejects.finish(commit=True)})


def _prepare(mapping: Mapping, batch: list[tuple[int, dict | RowError]]) -> list[tuple]:
    """Parse and key a batch: ``(row_no, reason, parsed, raw)``; runs in a worker process or inline."""
    out: list[tuple] = []
    for n, row in batch:
        try:
            text, sid, meta, cats = _parse(row, mapping)
        except ValueError as exc:
            out.append((n, str(exc), None, row))
            continue
        meta_json = json.dumps(meta, ensure_ascii=False, default=str) if meta else None
        out.append((n, None, (text_key(text), text, sid, meta_json, cats), None))
    return out


_WORKER_MAPPING: Mapping | None = None


def _init_worker(mapping: Mapping) -> None:
    global _WORKER_MAPPING
    _WORKER_MAPPING = mapping


def _prepare_in_worker(batch: list[tuple[int, dict | RowError]]) -> list[tuple]:
    assert _WORKER_MAPPING is not None
    return _prepare(_WORKER_MAPPING, batch)


def _batches(rows, size: int):
    batch: list = []
    for item in rows:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _prepared(src: Path, mapping: Mapping, workers: int):
    """Yield prepared batches in file order; with workers, keying runs in parallel, a few batches ahead."""
    batches = _batches(mapping.iter_rows(src), BATCH_ROWS)
    if workers <= 0:
        for b in batches:
            yield _prepare(mapping, b)
        return
    import multiprocessing as mp
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    # spawn: no forked copies of open database connections; the executor (unlike multiprocessing.Pool)
    # raises BrokenProcessPool when a worker dies instead of waiting forever.
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(mapping,)) as pool:
        pending: deque = deque()
        for b in batches:
            pending.append(pool.submit(_prepare_in_worker, b))
            if len(pending) >= 2 * workers:  # bounded look-ahead keeps memory flat
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _import_tx(store: Store, src: Path, dataset: str, mapping: Mapping, file_hash: str,
               map_hash: str, skip_bad: bool, rejects: _Rejects, workers: int) -> ImportResult:
    with store.begin() as conn:
        policy = current_version(conn)
        now = utcnow()
        ds_id = get_or_create(conn, datasets, {"name": dataset}, {"created_at": now})
        ann_id = get_or_create(conn, annotators, {"kind": "import", "name": f"import:{mapping.name}"},
                               {"is_expert": False})
        imp_id = conn.execute(imports.insert().values(
            dataset_id=ds_id, file_name=str(src)[:500], file_hash=file_hash, mapping_hash=map_hash,
            rows_total=0, rows_accepted=0, rows_rejected=0, created_at=now).returning(imports.c.id)).scalar_one()
        items_before = _count(conn, items)
        labels_before = _count(conn, labels, labels.c.annotator_id == ann_id)
        # Raw DB-API inserts skip SQLAlchemy's type processing: bind the timestamp the way it would.
        proc = items.c.created_at.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        ctx = _BatchContext(ds_id, ann_id, imp_id, policy.id, policy.hash, proc(now) if proc else now)
        total = accepted = 0
        for prepared in _prepared(src, mapping, workers):
            good = []
            for n, reason, parsed, raw in prepared:
                total += 1
                if reason is not None:
                    if not skip_bad:
                        raise DataError(f"{reason} (use --skip-bad to skip bad rows)", file=str(src), row=n)
                    rejects.add(n, reason, raw)
                else:
                    good.append(parsed)
            accepted += len(good)
            _write_batch(conn, good, ctx)
            log.info("import %s: %d rows read", src.name, total)
        conn.execute(imports.update().where(imports.c.id == imp_id).values(
            rows_total=total, rows_accepted=accepted, rows_rejected=rejects.count))
        new_items = _count(conn, items) - items_before
        new_labels = _count(conn, labels, labels.c.annotator_id == ann_id) - labels_before
        log.info("import %s: committing %d rows (%d new items, %d new labels)", src.name, total,
                 new_items, new_labels)
    return ImportResult(dataset, str(src), file_hash, False, total, accepted, rejects.count, new_items, new_labels)


@dataclass(frozen=True)
class _BatchContext:
    dataset_id: int
    annotator_id: int
    import_id: int
    policy_id: int
    policy_hash: str
    now: object


_ITEM_COLS = ("key", "text", "created_at")
_MEMBER_COLS = ("dataset_id", "item_key", "source_id", "meta", "import_id")
_LABEL_COLS = ("item_key", "category", "value", "annotator_id", "policy_version_id", "score", "is_pseudo",
               "source_ref", "created_at")


def _write_batch(conn: Connection, batch: list[tuple], c: _BatchContext) -> None:
    item_rows: dict[str, tuple] = {}
    member_rows: dict[str, tuple] = {}
    label_rows: dict[str, tuple] = {}
    for key, text, sid, meta_json, cats in batch:
        if key not in item_rows:
            item_rows[key] = (key, text, c.now)
            member_rows[key] = (c.dataset_id, key, sid, meta_json, c.import_id)
        for cat, value in cats.items():
            ref = hashlib.sha256(f"{key}|{cat}|{value}|{c.policy_hash}".encode()).hexdigest()[:40]
            if ref not in label_rows:
                label_rows[ref] = (key, cat, value, c.annotator_id, c.policy_id, None, False, ref, c.now)
    insert_ignore(conn, items, _ITEM_COLS, list(item_rows.values()))
    insert_ignore(conn, dataset_items, _MEMBER_COLS, list(member_rows.values()))
    insert_ignore(conn, labels, _LABEL_COLS, list(label_rows.values()))
