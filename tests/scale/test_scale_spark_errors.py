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


def test_executors_find_the_model_where_spark_submit_unpacked_it(tmp_path, monkeypatch):
    """In cluster mode the driver's absolute path does not exist on executors; ``--model ./model``
    with ``--archives model.tar.gz#model`` is found from the executor's working directory."""
    from flagstone.scale.spark import executor_model_dir

    driver = tmp_path / "driver" / "model"
    executor = tmp_path / "executor"
    (executor / "model").mkdir(parents=True)
    (executor / "model" / "manifest.json").write_text("{}")
    monkeypatch.chdir(executor)
    assert executor_model_dir(str(driver), "./model") == "model"  # relative: this working directory
    driver.mkdir(parents=True)
    (driver / "manifest.json").write_text("{}")
    assert executor_model_dir(str(driver), "./model") == str(driver)  # shared storage: the driver's path
    monkeypatch.chdir(tmp_path)
    assert executor_model_dir(str(tmp_path / "absent"), "./absent") == str(tmp_path / "absent")  # -> ModelError


def test_spark_submit_confs_win_over_the_engines_defaults():
    from flagstone.scale.spark import _DEFAULT_CONF, engine_defaults

    key = "spark.sql.execution.arrow.maxRecordsPerBatch"
    assert engine_defaults(set())[key] == "4096" == _DEFAULT_CONF[key]
    kept = engine_defaults({key, "spark.ui.enabled"})
    assert key not in kept and "spark.ui.enabled" not in kept and kept["spark.sql.session.timeZone"] == "UTC"
