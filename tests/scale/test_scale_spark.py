"""The Spark engine in ``local[2]``: same scores, same errors and same analytics as the local engine.

One session for the module keeps this fast; CI runs it (``require_spark`` fails there if pyspark is
missing instead of skipping).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flagstone.errors import ConfigError, DataError
from flagstone.scale.base import ScoreJob, UsageJob, get_engine

from .conftest import require_spark, settings

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark_engine():
    require_spark()
    # Tiny splits so that the 40-line fixture spans several tasks: line numbers must survive that.
    conf = {"spark.sql.shuffle.partitions": "2", "spark.sql.files.maxPartitionBytes": "2048"}
    engine = get_engine("spark", settings(spark_master="local[2]", spark_conf=conf))
    yield engine
    engine.stop()


def _sorted(table: pa.Table) -> pa.Table:
    return table.sort_by("id")


def test_session_is_built_from_settings(spark_engine):
    conf = spark_engine.spark.sparkContext.getConf()
    assert conf.get("spark.master") == "local[2]"
    assert conf.get("spark.sql.shuffle.partitions") == "2"
    assert conf.get("spark.sql.session.timeZone") == "UTC"


def test_jsonl_and_parquet_score_like_the_local_engine(spark_engine, tmp_path, items_jsonl, items_parquet,
                                                       model_dir):
    local = get_engine("local", settings(scale_workers=1))
    local.score(ScoreJob(items_jsonl, tmp_path / "local.parquet", model_dir))
    expected = _sorted(pq.read_table(tmp_path / "local.parquet"))
    for name, inp in (("jsonl", items_jsonl), ("parquet", items_parquet)):
        result = spark_engine.score(ScoreJob(inp, tmp_path / f"spark-{name}", model_dir))
        assert result.rows == 40 and result.startup_seconds > 0
        got = _sorted(pq.read_table(tmp_path / f"spark-{name}"))
        assert got.select(expected.schema.names).cast(expected.schema).equals(expected), name
    with pytest.raises(ConfigError, match="already exists"):
        spark_engine.score(ScoreJob(items_jsonl, tmp_path / "spark-jsonl", model_dir))


def test_progress_is_reported_as_tasks_end_and_adds_up_to_the_rows(spark_engine, tmp_path, items_jsonl,
                                                                   model_dir):
    seen: list[int] = []
    result = spark_engine.score(ScoreJob(items_jsonl, tmp_path / "progress", model_dir), seen.append)
    assert seen and all(n > 0 for n in seen)  # monotone: only increases are reported
    assert sum(seen) == result.rows == 40


def test_bad_rows_name_file_and_row(spark_engine, tmp_path, items_jsonl, model_dir):
    bad = tmp_path / "bad.jsonl"
    lines = items_jsonl.read_text().splitlines()
    lines.insert(30, '{"id": "x", "text": 12}')
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as err:
        spark_engine.score(ScoreJob(bad, tmp_path / "out-a", model_dir))
    assert (err.value.file, err.value.row) == (str(bad), 31)
    assert "'text' must be a string, got int" in err.value.message
    nulls = tmp_path / "nulls.parquet"
    pq.write_table(pa.table({"id": [str(i) for i in range(20)], "text": ["x"] * 16 + [None] + ["y"] * 3}), nulls)
    with pytest.raises(DataError) as err:
        spark_engine.score(ScoreJob(nulls, tmp_path / "out-b", model_dir))
    assert (err.value.file, err.value.row) == (str(nulls), 17)
    wrong = tmp_path / "wrong.parquet"
    pq.write_table(pa.table({"id": ["a"], "body": ["x"]}), wrong)
    with pytest.raises(DataError, match=r"missing column\(s\) \['text'\]"):
        spark_engine.score(ScoreJob(wrong, tmp_path / "out-c", model_dir))
    assert not (tmp_path / "out-a").exists() or not list((tmp_path / "out-a").glob("*.parquet"))


def test_usage_and_rules_match_the_local_engine(spark_engine, request_log, rules_file):
    job = UsageJob(log=request_log, top=3, rules=rules_file)
    local = get_engine("local", settings()).usage(job)
    spark = spark_engine.usage(job)
    assert spark.totals == local.totals
    assert spark.top_accounts == local.top_accounts
    assert spark.rule_alerts == local.rule_alerts and len(spark.rule_alerts) == 2
    order = [("account_id", "ascending"), ("day", "ascending"), ("category", "ascending")]
    assert spark.rates.sort_by(order).to_pylist() == local.rates.sort_by(order).to_pylist()


def test_local_parquet_is_split_per_task_slot_while_a_job_runs(spark_engine, tmp_path):
    from flagstone.scale.spark import SparkEngine

    key = "spark.sql.files.maxPartitionBytes"
    path = tmp_path / "big.parquet"
    texts = [f"row {i} " + "x" * (i % 97) for i in range(400_000)]
    pq.write_table(pa.table({"id": [str(i) for i in range(len(texts))], "text": texts}), path,
                   row_group_size=25_000)
    size = path.stat().st_size
    unconfigured = SparkEngine(settings(spark_master="local[2]"))
    unconfigured._spark = spark_engine.spark  # same session, settings without a split size
    session_value = spark_engine.spark.conf.get(key)
    with unconfigured._split_size(str(path)) as row_groups:
        assert row_groups == 16
        assert int(spark_engine.spark.conf.get(key)) == max(1 << 20, size // (4 * 2))
        df, _ = unconfigured._input(str(path))
        assert df.rdd.getNumPartitions() >= 2  # several row groups -> several splits, no shuffle
    assert spark_engine.spark.conf.get(key) == session_value  # restored
    with spark_engine._split_size(str(path)):  # a size given in spark_conf is kept
        assert spark_engine.spark.conf.get(key) == session_value
