"""The exported request log as Parquet, to and from the abuse capability's :class:`RequestRecord`.

:func:`records_to_table` is the export (``write_request_log`` writes it); :func:`batch_to_records`
turns a batch of the log back into records for the abuse rule engine, so batch evaluation feeds the
rules exactly what the streaming path feeds them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from flagstone.abuse.base import RequestRecord
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.scale.schema import REQUEST_LOG_OPTIONAL, REQUEST_LOG_SCHEMA, SCORE_COLUMNS

LOG_SCHEMA = pa.schema(list(REQUEST_LOG_SCHEMA) + list(REQUEST_LOG_OPTIONAL))


def _to_signed(signature: tuple[int, ...]) -> list[int]:
    """MinHash values are unsigned 64-bit; Parquet readers (Spark) want signed: keep the bits."""
    return np.asarray(signature, dtype=np.uint64).view(np.int64).tolist()


def _to_unsigned(values: list[int] | None) -> tuple[int, ...]:
    return tuple(np.asarray(values or (), dtype=np.int64).view(np.uint64).tolist())


def records_to_table(records: Iterable[RequestRecord]) -> pa.Table:
    recs = list(records)
    cols: dict[str, list] = {
        "account_id": [r.account for r in recs], "key_id": [r.key_id for r in recs],
        "ts": [int(round(r.ts * 1_000_000)) for r in recs], "input_hash": [r.input_hash for r in recs],
        "input_len": [r.input_len for r in recs],
    }
    for cat, col in zip(CATEGORIES, SCORE_COLUMNS, strict=True):
        cols[col] = [float(r.scores.get(cat, 0.0)) for r in recs]
    cols["flags"] = [list(r.flags) for r in recs]
    cols["model_version"] = [r.model_version for r in recs]
    cols["request_id"] = [r.request_id for r in recs]
    cols["signature"] = [_to_signed(r.signature) for r in recs]
    arrays = [pa.array(cols[f.name], pa.int64()).cast(f.type) if f.name == "ts" else pa.array(cols[f.name], f.type)
              for f in LOG_SCHEMA]
    return pa.Table.from_arrays(arrays, schema=LOG_SCHEMA)


def write_request_log(records: Iterable[RequestRecord], path: str | Path) -> int:
    table = records_to_table(records)
    pq.write_table(table, path)
    return table.num_rows


def batch_to_records(batch: pa.RecordBatch | pa.Table) -> list[RequestRecord]:
    names = set(batch.schema.names)
    n = batch.num_rows
    ts = batch.column("ts").cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()).to_numpy(zero_copy_only=False) / 1e6
    scores = np.column_stack([batch.column(c).to_numpy(zero_copy_only=False) for c in SCORE_COLUMNS]) \
        if n else np.zeros((0, len(CATEGORIES)))
    req_ids = batch.column("request_id").to_pylist() if "request_id" in names else [""] * n
    sigs = batch.column("signature").to_pylist() if "signature" in names else [None] * n
    accounts, keys = batch.column("account_id").to_pylist(), batch.column("key_id").to_pylist()
    hashes, lens = batch.column("input_hash").to_pylist(), batch.column("input_len").to_pylist()
    flags, versions = batch.column("flags").to_pylist(), batch.column("model_version").to_pylist()
    return [
        RequestRecord(ts=float(ts[i]), account=accounts[i], key_id=keys[i] or "", input_hash=hashes[i] or "",
                      input_len=int(lens[i] or 0), scores=dict(zip(CATEGORIES, map(float, scores[i]), strict=True)),
                      flags=tuple(flags[i]), model_version=versions[i] or "", signature=_to_unsigned(sigs[i]),
                      request_id=req_ids[i] or "")
        for i in range(n)
    ]
