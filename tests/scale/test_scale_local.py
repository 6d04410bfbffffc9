"""The local engine: streamed scoring (JSONL and Parquet, 1 or 2 processes), bad inputs, safe output."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flagstone.errors import ConfigError, DataError, ModelError
from flagstone.models.kinds import load_model
from flagstone.scale.base import ScoreJob, available_engines, get_engine

from .conftest import settings


def _score(tmp_path, inp, model_dir, *, workers=1, batch_rows=7, name="out.parquet", **kw):
    engine = get_engine("local", settings(scale_workers=workers, scale_batch_rows=batch_rows))
    out = tmp_path / name
    try:
        result = engine.score(ScoreJob(input=inp, output=out, model_dir=model_dir, **kw))
    finally:
        engine.stop()
    return result, pq.read_table(out)


def test_registry_lists_engines_and_rejects_unknown_names():
    assert available_engines() == ["local", "spark"]
    with pytest.raises(ConfigError, match=r"unknown engine 'flink'; available: local, spark$"):
        get_engine("flink", settings())


def test_jsonl_scored_in_input_order_with_the_models_flags(tmp_path, items_jsonl, model_dir):
    result, table = _score(tmp_path, items_jsonl, model_dir)
    rows = [json.loads(line) for line in items_jsonl.read_text().splitlines()]
    model = load_model(model_dir)
    assert result.rows == table.num_rows == len(rows)
    assert result.model_id == model.info.id
    assert table.column("id").to_pylist() == [r["id"] for r in rows]
    # The 400-word text ends with "kill": flagged only because long texts are chunked.
    expected = [sorted(c for c, s in zip(("hate", "violence"), (p[2], p[11]), strict=True) if s >= 0.5)
                for p in model.predict_proba([r["text"][-200:] for r in rows])]
    assert table.column("flags").to_pylist() == expected


def test_parquet_and_two_processes_give_the_same_table(tmp_path, items_jsonl, items_parquet, model_dir):
    _, one = _score(tmp_path, items_jsonl, model_dir, name="a.parquet")
    _, two = _score(tmp_path, items_parquet, model_dir, workers=2, name="b.parquet")
    assert one.equals(two)


def test_progress_reports_every_row(tmp_path, items_jsonl, model_dir):
    seen: list[int] = []
    engine = get_engine("local", settings(scale_workers=1, scale_batch_rows=16))
    engine.score(ScoreJob(items_jsonl, tmp_path / "o.parquet", model_dir), seen.append)
    assert seen == [16, 16, 8]


def test_bad_row_in_a_later_batch_names_file_and_line_and_writes_nothing(tmp_path, items_jsonl, model_dir):
    bad = tmp_path / "bad.jsonl"
    lines = items_jsonl.read_text().splitlines()
    lines.insert(20, '{"id": "x", "text": null}')
    bad.write_text("\n".join(lines) + "\n")
    for workers in (1, 2):
        with pytest.raises(DataError) as err:
            _score(tmp_path, bad, model_dir, workers=workers)
        assert (err.value.file, err.value.row) == (str(bad), 21)
        assert list(tmp_path.glob("*out.parquet*")) == []


def test_not_utf8_line_is_named(tmp_path, model_dir):
    bad = tmp_path / "latin1.jsonl"
    bad.write_bytes(b'{"id": 1, "text": "ok"}\n{"id": 2, "text": "caf\xe9"}\n')
    with pytest.raises(DataError, match=r"latin1.jsonl, row 2: not UTF-8"):
        _score(tmp_path, bad, model_dir)


def test_parquet_null_text_names_row(tmp_path, model_dir):
    path = tmp_path / "nulls.parquet"
    pq.write_table(pa.table({"id": [str(i) for i in range(20)], "text": ["x"] * 12 + [None] + ["y"] * 7}), path)
    with pytest.raises(DataError) as err:
        _score(tmp_path, path, model_dir)
    assert (err.value.file, err.value.row) == (str(path), 13)


@pytest.mark.parametrize("table, message", [
    (pa.table({"id": ["a"], "body": ["x"]}), "missing column(s) ['text']"),
    (pa.table({"id": ["a"], "text": [1.5]}), "column 'text' has type double"),
])
def test_parquet_wrong_columns(tmp_path, model_dir, table, message):
    path = tmp_path / "wrong.parquet"
    pq.write_table(table, path)
    with pytest.raises(DataError) as err:
        _score(tmp_path, path, model_dir)
    assert err.value.file == str(path) and message in err.value.message


def test_unreadable_or_missing_or_unknown_inputs(tmp_path, model_dir):
    corrupt = tmp_path / "corrupt.parquet"
    corrupt.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DataError, match="corrupt.parquet: not a readable Parquet file"):
        _score(tmp_path, corrupt, model_dir)
    with pytest.raises(DataError, match="input not found"):
        _score(tmp_path, tmp_path / "absent.jsonl", model_dir)
    (tmp_path / "items.csv").write_text("id,text\n1,x\n")
    with pytest.raises(DataError, match="unknown input format '.csv'"):
        _score(tmp_path, tmp_path / "items.csv", model_dir)


def test_existing_output_is_kept_unless_overwrite(tmp_path, items_jsonl, model_dir):
    out = tmp_path / "out.parquet"
    out.write_bytes(b"precious")
    with pytest.raises(ConfigError, match="already exists; pass --overwrite"):
        _score(tmp_path, items_jsonl, model_dir)
    assert out.read_bytes() == b"precious"
    result, _ = _score(tmp_path, items_jsonl, model_dir, overwrite=True)
    assert result.rows == 40


def test_bad_model_is_a_model_error(tmp_path, items_jsonl):
    with pytest.raises(ModelError):
        _score(tmp_path, items_jsonl, Path(tmp_path / "no-model"), workers=2)


def test_worker_pool_is_kept_across_jobs_until_stop(tmp_path, items_jsonl, model_dir):
    engine = get_engine("local", settings(scale_workers=2, scale_batch_rows=8))
    try:
        engine.score(ScoreJob(items_jsonl, tmp_path / "a.parquet", model_dir))
        pool = engine._pool
        engine.score(ScoreJob(items_jsonl, tmp_path / "b.parquet", model_dir))
        assert pool is not None and engine._pool is pool
        assert pq.read_table(tmp_path / "a.parquet").equals(pq.read_table(tmp_path / "b.parquet"))
    finally:
        engine.stop()
    assert engine._pool is None
