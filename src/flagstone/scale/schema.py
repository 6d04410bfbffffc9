"""The column layouts the scale jobs read and write, as Arrow schemas (Spark DDL derived from them).

* **Scoring input** (JSONL or Parquet): ``id`` (string or integer) and ``text`` (string), one item a
  row; other columns are ignored.
* **Scored output** (Parquet): ``id``, one ``score_<category>`` float column per category (slashes and
  dashes become underscores), ``flags`` (the categories at or above the model's thresholds),
  ``flagged`` and ``model_version``.
* **Exported request log** (Parquet), read by ``analyze usage``: ``account_id``, ``key_id``, ``ts``
  (UTC timestamp), ``input_hash``, ``input_len``, the 13 score columns, ``flags``, ``model_version``;
  optionally ``request_id`` and ``signature`` (MinHash, for the near-duplicate abuse rules; its
  unsigned 64-bit values are stored as int64 with the same bits).
"""

from __future__ import annotations

import pyarrow as pa

from flagstone.errors import DataError
from flagstone.policy.taxonomy import CATEGORIES

ID_COL = "id"
TEXT_COL = "text"
# Internal columns carrying where each row came from, so errors name the file and row.
FILE_COL = "_file"
ROW_COL = "_row"


def score_column(category: str) -> str:
    """``self-harm/intent`` -> ``score_self_harm_intent`` (safe in Parquet, SQL and Spark)."""
    return "score_" + category.replace("/", "_").replace("-", "_")


SCORE_COLUMNS: tuple[str, ...] = tuple(score_column(c) for c in CATEGORIES)

SCORED_SCHEMA = pa.schema(
    [pa.field(ID_COL, pa.string(), nullable=False)]
    + [pa.field(c, pa.float32(), nullable=False) for c in SCORE_COLUMNS]
    + [
        pa.field("flags", pa.list_(pa.string()), nullable=False),
        pa.field("flagged", pa.bool_(), nullable=False),
        pa.field("model_version", pa.string(), nullable=False),
    ]
)

REQUEST_LOG_SCHEMA = pa.schema(
    [
        pa.field("account_id", pa.string()),
        pa.field("key_id", pa.string()),
        pa.field("ts", pa.timestamp("us", tz="UTC")),
        pa.field("input_hash", pa.string()),
        pa.field("input_len", pa.int64()),
    ]
    + [pa.field(c, pa.float32()) for c in SCORE_COLUMNS]
    + [pa.field("flags", pa.list_(pa.string())), pa.field("model_version", pa.string())]
)

# Optional request-log columns: rules that need them see empty values when absent.
REQUEST_LOG_OPTIONAL = pa.schema([pa.field("request_id", pa.string()), pa.field("signature", pa.list_(pa.int64()))])

_DDL = {pa.string(): "string", pa.float32(): "float", pa.bool_(): "boolean", pa.int64(): "bigint",
        pa.list_(pa.string()): "array<string>", pa.list_(pa.int64()): "array<bigint>",
        pa.float64(): "double", pa.timestamp("us", tz="UTC"): "timestamp"}


def spark_ddl(schema: pa.Schema) -> str:
    """The Spark DDL string for one of the schemas above (backquoted names)."""
    return ", ".join(f"`{f.name}` {_DDL[f.type]}" for f in schema)


def _compatible(actual: pa.DataType, expected: pa.DataType) -> bool:
    if actual == expected:
        return True
    if pa.types.is_string(expected):
        return pa.types.is_string(actual) or pa.types.is_large_string(actual)
    if pa.types.is_floating(expected):
        return pa.types.is_floating(actual)
    if pa.types.is_integer(expected):
        return pa.types.is_integer(actual)
    if pa.types.is_timestamp(expected):
        return pa.types.is_timestamp(actual)
    if pa.types.is_list(expected):
        return (pa.types.is_list(actual) or pa.types.is_large_list(actual)) and _compatible(
            actual.value_type, expected.value_type)
    return False


def check_columns(schema: pa.Schema, expected: pa.Schema, *, file: str) -> None:
    """Raise :class:`DataError` naming ``file`` if a column is missing or has the wrong type."""
    names = set(schema.names)
    missing = [f.name for f in expected if f.name not in names]
    if missing:
        raise DataError(f"missing column(s) {missing}; found {schema.names}", file=file)
    for f in expected:
        actual = schema.field(f.name).type
        if not _compatible(actual, f.type):
            raise DataError(f"column {f.name!r} has type {actual}, expected {f.type}", file=file)


def check_input_columns(schema: pa.Schema, *, file: str) -> None:
    """The scoring input needs ``id`` (string or integer) and ``text`` (string)."""
    names = set(schema.names)
    missing = [c for c in (ID_COL, TEXT_COL) if c not in names]
    if missing:
        raise DataError(f"missing column(s) {missing}; found {schema.names}", file=file)
    id_type, text_type = schema.field(ID_COL).type, schema.field(TEXT_COL).type
    if not (pa.types.is_string(id_type) or pa.types.is_large_string(id_type) or pa.types.is_integer(id_type)):
        raise DataError(f"column 'id' has type {id_type}, expected string or integer", file=file)
    if not (pa.types.is_string(text_type) or pa.types.is_large_string(text_type)):
        raise DataError(f"column 'text' has type {text_type}, expected string", file=file)
