"""Column layouts: names, Spark DDL and the input checks (each bad input gets a DataError naming the file)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from flagstone.errors import DataError
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.scale.schema import (
    REQUEST_LOG_SCHEMA,
    SCORE_COLUMNS,
    SCORED_SCHEMA,
    check_columns,
    check_input_columns,
    score_column,
    spark_ddl,
)


def test_score_columns_are_safe_and_unique():
    assert score_column("self-harm/intent") == "score_self_harm_intent"
    assert len(set(SCORE_COLUMNS)) == len(CATEGORIES) == 13
    assert all(c.replace("_", "").isalnum() for c in SCORE_COLUMNS)


def test_spark_ddl_lists_every_column_in_order():
    ddl = spark_ddl(SCORED_SCHEMA)
    assert ddl.startswith("`id` string, `score_harassment` float")
    assert ddl.endswith("`flags` array<string>, `flagged` boolean, `model_version` string")
    assert "`ts` timestamp" in spark_ddl(REQUEST_LOG_SCHEMA)


@pytest.mark.parametrize("id_type", [pa.string(), pa.large_string(), pa.int8(), pa.int64(), pa.uint64()])
@pytest.mark.parametrize("text_type", [pa.string(), pa.large_string()])
def test_input_columns_accept_integer_ids_and_large_strings(id_type, text_type):
    schema = pa.schema([("x", pa.int8()), ("text", text_type), ("id", id_type)])  # any order, extra columns
    assert check_input_columns(schema, file="f") is None
    # The boundary next to each accepted layout is refused: a binary text column is not text.
    with pytest.raises(DataError, match="column 'text' has type binary, expected string"):
        check_input_columns(pa.schema([("id", id_type), ("text", pa.binary())]), file="f")


@pytest.mark.parametrize("schema, message", [
    (pa.schema([("id", pa.string())]), "missing column(s) ['text']"),
    (pa.schema([("id", pa.float64()), ("text", pa.string())]), "column 'id' has type double"),
    (pa.schema([("id", pa.string()), ("text", pa.int32())]), "column 'text' has type int32"),
])
def test_bad_input_columns_name_the_file(schema, message):
    with pytest.raises(DataError) as err:
        check_input_columns(schema, file="in.parquet")
    assert err.value.file == "in.parquet" and message in err.value.message


def test_request_log_columns_checked_by_type():
    fields = [f if f.name != "input_len" else pa.field("input_len", pa.string()) for f in REQUEST_LOG_SCHEMA]
    with pytest.raises(DataError, match="column 'input_len' has type string"):
        check_columns(pa.schema(fields), REQUEST_LOG_SCHEMA, file="log.parquet")
    with pytest.raises(DataError, match=r"missing column\(s\) \['account_id'\]"):
        check_columns(pa.schema([f for f in REQUEST_LOG_SCHEMA if f.name != "account_id"]),
                      REQUEST_LOG_SCHEMA, file="log.parquet")
