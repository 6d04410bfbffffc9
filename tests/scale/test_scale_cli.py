"""``flagstone score`` and ``flagstone analyze usage`` (local engine) end to end through the CLI."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from flagstone.cli.main import main


def test_score_writes_parquet_and_reports(tmp_path, items_jsonl, model_dir, capsys):
    out = tmp_path / "scored.parquet"
    rc = main(["score", "--input", str(items_jsonl), "--output", str(out), "--model", str(model_dir),
               "--workers", "1", "--batch-rows", "16"])
    err = capsys.readouterr().err
    assert rc == 0
    assert pq.read_table(out).num_rows == 40
    assert "scored 40 texts" in err and "scale-keyword@" in err
    assert "scoring [" in err and "40/40" in err  # the progress bar, on stderr: JSONL rows are counted too


def test_score_bad_input_exits_2_with_file_and_row(tmp_path, model_dir, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "ok"}\nnot json\n')
    rc = main(["score", "--input", str(bad), "--output", str(tmp_path / "o.parquet"), "--model", str(model_dir),
               "--workers", "1", "-q"])
    assert rc == 2
    assert f"error: {bad}, row 2: corrupt JSON" in capsys.readouterr().err
    assert not (tmp_path / "o.parquet").exists()


def test_bad_spark_conf_flag_is_a_config_error(tmp_path, items_jsonl, model_dir, capsys):
    rc = main(["score", "--input", str(items_jsonl), "--output", str(tmp_path / "o.parquet"),
               "--model", str(model_dir), "--spark-conf", "novalue"])
    assert rc == 2
    assert "--spark-conf expects KEY=VALUE, got 'novalue'" in capsys.readouterr().err


def test_analyze_usage_prints_and_writes_the_report(tmp_path, request_log, rules_file, capsys):
    out = tmp_path / "report"
    rc = main(["analyze", "usage", "--log", str(request_log), "--rules", str(rules_file), "--top", "2",
               "--output", str(out)])
    printed = capsys.readouterr().out
    assert rc == 0
    assert "24 requests, 8 flagged (33.33%), 5 accounts, 2 days" in printed
    assert "alice" in printed and "2 rule alerts" in printed
    assert pq.read_table(out / "rates.parquet").num_rows == 6 * 14
    assert [r["account_id"] for r in json.loads((out / "top_accounts.json").read_text())] == ["alice", "carol"]
    alerts = [json.loads(line) for line in (out / "alerts.jsonl").read_text().splitlines()]
    assert [a["rule"] for a in alerts] == ["violence-repeat", "campaign"]


def test_engine_flags_layer_on_the_settings_main_loaded_once(tmp_path, monkeypatch):
    """``score``/``analyze`` take ``args.settings`` and add their flags; they do not read the file and
    environment a second time (an environment changed after main loaded them is not seen)."""
    import argparse

    from flagstone.cli.score import engine_settings
    from flagstone.errors import ConfigError
    from flagstone.settings import Settings

    loaded = Settings(data_dir=tmp_path, spark_master="local[3]", spark_conf={"a": "1"}, scale_workers=2)
    monkeypatch.setenv("FLAGSTONE_SPARK_MASTER", "spark://from-env-later:7077")
    monkeypatch.setenv("FLAGSTONE_SCALE_WORKERS", "7")
    args = argparse.Namespace(settings=loaded, config=None, spark_master=None, spark_conf=["b=2"], workers=None,
                              quiet=True, batch_rows=32)
    s = engine_settings(args)
    assert (s.spark_master, s.spark_conf, s.scale_workers, s.scale_batch_rows) == ("local[3]", {"a": "1", "b": "2"}, 2, 32)
    args.spark_master, args.workers = "local[1]", 1
    assert (engine_settings(args).spark_master, engine_settings(args).scale_workers) == ("local[1]", 1)
    args.batch_rows = 0
    with pytest.raises(ConfigError, match="scale_batch_rows"):
        engine_settings(args)
