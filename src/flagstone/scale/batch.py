"""The one scoring function both engines run: an Arrow batch of items in, a batch of scores out.

:func:`score_batch` is pure (given the model): the local engine calls it per batch in its worker
processes and the Spark engine calls it per batch inside ``mapInArrow``. :func:`cached_model` loads
a model artifact once per process (per Python worker on a Spark executor) and keeps it, keyed by the
artifact's path and manifest digest so a changed artifact is never served from the cache.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa

from flagstone.errors import DataError
from flagstone.models.base import Moderator, check_scores
from flagstone.models.kinds import load_model
from flagstone.models.scoring import score_texts
from flagstone.policy.taxonomy import CATEGORIES, flag_matrix
from flagstone.scale.schema import (
    FILE_COL,
    ID_COL,
    ROW_COL,
    SCORE_COLUMNS,
    SCORED_SCHEMA,
    TEXT_COL,
    check_input_columns,
)
from flagstone.text.controls import clean_controls

_CACHE: dict[tuple[str, str, int], Moderator] = {}
_LOCK = threading.Lock()
_CATEGORY_ARRAY = np.array(CATEGORIES, dtype=object)


def cached_model(path: str | Path, *, threads: int = 0) -> Moderator:
    """Load the artifact at ``path`` once per process; later calls return the same object.

    ``threads`` sets the model's inference threads where it has them (``configure``): one per worker
    when several processes share the cores, 0 (the runtime's default) when one process has them all.
    """
    directory = Path(path).resolve()
    try:
        digest = hashlib.sha256((directory / "manifest.json").read_bytes()).hexdigest()
    except OSError:
        digest = ""  # load_model raises the proper ModelError below
    key = (str(directory), digest, threads)
    with _LOCK:
        model = _CACHE.get(key)
        if model is None:
            model = load_model(directory)
            configure = getattr(model, "configure", None)
            if threads and configure is not None:
                model = configure(threads=threads)
            _CACHE[key] = model
        return model


def parse_jsonl(lines: Sequence[str | None], files: Sequence[str], rows: Sequence[int]) -> pa.RecordBatch:
    """Parse JSONL lines into an input batch; a bad line raises :class:`DataError` naming file and row.

    Blank lines are skipped. Each object needs ``id`` (string or integer) and ``text`` (string).
    """
    ids: list[str] = []
    texts: list[str] = []
    out_files: list[str] = []
    out_rows: list[int] = []
    for line, file, row in zip(lines, files, rows, strict=True):
        if line is None or not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"corrupt JSON: {exc.msg} (column {exc.colno})", file=file, row=row) from None
        if not isinstance(obj, dict):
            raise DataError(f"expected a JSON object, got {type(obj).__name__}", file=file, row=row)
        ids.append(_check_id(obj.get(ID_COL), file, row))
        text = obj.get(TEXT_COL)
        if not isinstance(text, str):
            raise DataError(f"'text' must be a string, got {_kind(text)}", file=file, row=row)
        texts.append(text)
        out_files.append(file)
        out_rows.append(row)
    return pa.record_batch({ID_COL: pa.array(ids, pa.string()), TEXT_COL: pa.array(texts, pa.string()),
                            FILE_COL: pa.array(out_files, pa.string()), ROW_COL: pa.array(out_rows, pa.int64())})


def _kind(value: object) -> str:
    return "missing/null" if value is None else type(value).__name__


def _check_id(value: object, file: str, row: int) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise DataError(f"'id' must be a string or integer, got {_kind(value)}", file=file, row=row)
    return str(value)


def _where(batch: pa.RecordBatch, i: int) -> tuple[str, int]:
    """File and 1-based row of row ``i`` of ``batch`` (from the provenance columns when present)."""
    names = batch.schema.names
    file = batch.column(FILE_COL)[i].as_py() if FILE_COL in names else "<batch>"
    row = batch.column(ROW_COL)[i].as_py() if ROW_COL in names else i + 1
    return file, row


def score_batch(batch: pa.RecordBatch, model: Moderator, *, max_chunks: int = 16) -> pa.RecordBatch:
    """Score one input batch (``id``, ``text``[, ``_file``, ``_row``]) into a :data:`SCORED_SCHEMA` batch.

    Long texts are scored as the max over at most ``max_chunks`` windows, as the server does.
    """
    first_file = _where(batch, 0)[0] if batch.num_rows else "<batch>"
    check_input_columns(batch.schema, file=first_file)
    ids, texts = batch.column(ID_COL), batch.column(TEXT_COL)
    for col, name in ((ids, "id"), (texts, "text")):
        if col.null_count:
            i = int(np.flatnonzero(np.asarray(col.is_null()))[0])
            file, row = _where(batch, i)
            raise DataError(f"{name!r} is null", file=file, row=row)
    n = batch.num_rows
    # Control characters and terminal escapes go as at the HTTP edge (text.controls), so a row scores as served.
    scores = check_scores(score_texts(model, [clean_controls(t) for t in texts.to_pylist()], max_chunks), n)
    info = model.info
    thresholds = np.array([info.thresholds.get(c, 0.5) for c in CATEGORIES])
    mask = flag_matrix(scores, thresholds)  # as served: a flagged sub-category flags its parent
    offsets = np.concatenate([[0], np.cumsum(mask.sum(axis=1))]).astype(np.int32)
    flags = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()),
                                     pa.array(_CATEGORY_ARRAY[mask.nonzero()[1]].tolist(), pa.string()))
    columns = [ids.cast(pa.string())]
    columns += [pa.array(scores[:, j].astype(np.float32)) for j in range(len(SCORE_COLUMNS))]
    columns += [flags, pa.array(mask.any(axis=1)), pa.array([info.id] * n, pa.string())]
    return pa.RecordBatch.from_arrays(columns, schema=SCORED_SCHEMA)
