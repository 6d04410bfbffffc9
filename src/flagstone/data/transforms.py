"""Transformation primitives as plain functions over Arrow tables (or record batches).

Each takes a ``pyarrow.Table`` (a ``RecordBatch`` is accepted and converted) and returns a new
table; nothing touches the store, so a Spark job can apply the same functions per partition
(``mapInArrow``). Randomness comes from hashing the ``key`` column with a seed, never from a global
RNG, so results do not depend on partitioning or row order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from flagstone.errors import InvalidRequestError

SPLITS: tuple[tuple[str, float], ...] = (("train", 0.70), ("calibration", 0.10), ("dev", 0.10), ("test", 0.10))


def _table(data: pa.Table | pa.RecordBatch) -> pa.Table:
    return pa.Table.from_batches([data]) if isinstance(data, pa.RecordBatch) else data


def _need(table: pa.Table, *cols: str) -> None:
    missing = [c for c in cols if c not in table.column_names]
    if missing:
        raise InvalidRequestError(f"missing columns {missing}; the table has {table.column_names}")


def unit_hash(value: str, seed: str = "") -> float:
    """A stable number in [0, 1) from a string (first 8 bytes of SHA-256)."""
    digest = hashlib.sha256(f"{seed}|{value}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def filter_rows(data, predicate: pc.Expression | Callable[[pa.Table], pa.Array]) -> pa.Table:
    """Keep rows matching an Arrow expression or a function returning a boolean mask."""
    table = _table(data)
    if isinstance(predicate, pc.Expression):
        return table.filter(predicate)
    return table.filter(predicate(table))


def map_column(data, column: str, fn: Callable, *, output: str | None = None) -> pa.Table:
    """Apply ``fn`` to each value of ``column``; write to ``output`` (default: replace the column)."""
    table = _table(data)
    _need(table, column)
    values = pa.array([fn(v) for v in table.column(column).to_pylist()])
    out = output or column
    if out in table.column_names:
        return table.set_column(table.column_names.index(out), out, values)
    return table.append_column(out, values)


def dedup(data, key: str = "key") -> pa.Table:
    """Keep the first row per ``key`` value, in order."""
    table = _table(data)
    _need(table, key)
    seen: set = set()
    mask = []
    for v in table.column(key).to_pylist():
        mask.append(v not in seen)
        seen.add(v)
    return table.filter(pa.array(mask, type=pa.bool_()))


def sample(data, n: int, *, seed: int = 0, key: str = "key") -> pa.Table:
    """A deterministic sample of ``n`` rows: the smallest seeded hashes of ``key``."""
    table = _table(data)
    _need(table, key)
    if n < 0:
        raise InvalidRequestError("sample size must be >= 0")
    if n >= table.num_rows:
        return table
    ranks = [unit_hash(str(v), str(seed)) for v in table.column(key).to_pylist()]
    order = sorted(range(table.num_rows), key=ranks.__getitem__)[:n]
    return table.take(pa.array(sorted(order), type=pa.int64()))


def assign_split(group: str, splits: Iterable[tuple[str, float]] = SPLITS, seed: str = "split") -> str:
    u = unit_hash(group, seed)
    acc = 0.0
    pairs = list(splits)
    for name, frac in pairs:
        acc += frac
        if u < acc:
            return name
    return pairs[-1][0]


def split(data, *, group: str = "group", splits: Iterable[tuple[str, float]] = SPLITS,
          column: str = "split") -> pa.Table:
    """Add a split column from the hash of each row's group, so a group never straddles splits."""
    table = _table(data)
    _need(table, group)
    pairs = list(splits)
    if abs(sum(f for _, f in pairs) - 1.0) > 1e-9:
        raise InvalidRequestError(f"split fractions must sum to 1, got {pairs}")
    values = pa.array([assign_split(str(g), pairs) for g in table.column(group).to_pylist()], pa.string())
    if column in table.column_names:
        return table.set_column(table.column_names.index(column), column, values)
    return table.append_column(column, values)


def relabel(data, category: str, new_values: Mapping[str, int | None], *, key: str = "key") -> pa.Table:
    """Set ``category`` to the given value for the keys in ``new_values``; others keep theirs."""
    table = _table(data)
    _need(table, key, category)
    if any(v not in (0, 1, None) for v in new_values.values()):
        raise InvalidRequestError("label values are 0, 1 or None")
    old = table.column(category).to_pylist()
    keys = table.column(key).to_pylist()
    values = [new_values.get(k, o) if k in new_values else o for k, o in zip(keys, old, strict=True)]
    idx = table.column_names.index(category)
    return table.set_column(idx, category, pa.array(values, type=table.schema.field(category).type))
