"""Translating Spark failures into domain errors at the boundary (pure: no Spark session needed)."""

from __future__ import annotations

from flagstone.errors import DataError
from flagstone.scale.spark import _is_uri, _translate


def test_a_worker_data_error_comes_back_with_file_and_row():
    text = ("org.apache.spark.api.python.PythonException: Traceback (most recent call last):\n"
            '  File "batch.py", line 3\n'
            "flagstone.errors.DataError: file:///data/in.jsonl, row 31: 'text' must be a string, got int\n"
            "\tat org.apache.spark...")
    err = _translate(RuntimeError(text), "fallback")
    assert isinstance(err, DataError)
    assert (err.file, err.row, err.reason) == ("/data/in.jsonl", 31, "'text' must be a string, got int")


def test_other_failures_name_the_input_and_the_first_line():
    err = _translate(RuntimeError("\n[PATH_NOT_FOUND] Path does not exist: x\nstack"), "in.parquet")
    assert isinstance(err, DataError) and err.file == "in.parquet"
    assert "Spark could not process the input: [PATH_NOT_FOUND] Path does not exist: x" in err.message


def test_uris_are_left_to_spark():
    assert _is_uri("s3a://bucket/items/") and _is_uri("hdfs://nn:8020/x.parquet")
    assert not _is_uri("/tmp/items.jsonl") and not _is_uri("items.parquet")
