"""``flagstone redteam`` end to end on the keyword model fixture."""

from __future__ import annotations

import json

from flagstone.cli.main import main


def test_run_without_defence_writes_reports_and_prints_a_table(tmp_path, model_dir, seeds_path, capsys) -> None:
    out = tmp_path / "run"
    rc = main(["redteam", "run", "--model", str(model_dir), "--suite", "smoke", "--seeds", str(seeds_path),
               "--out", str(out), "--defence", "none", "--no-queue"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "base64" in printed and "100.0%" in printed and "per family" in printed and "queued" not in printed
    report = json.loads((out / "report.json").read_text())
    assert report["suite"] == "smoke" and (out / "report.html").is_file() and "queued" not in report
    assert not (tmp_path / "data" / "flagstone.db").exists()


def test_the_default_defence_is_the_servers_and_failures_are_queued(tmp_path, model_dir, seeds_path,
                                                                     monkeypatch, capsys) -> None:
    out = tmp_path / "run"
    rc = main(["redteam", "run", "--model", str(model_dir), "--suite", "smoke", "--seeds", str(seeds_path),
               "--out", str(out)])
    assert rc == 0
    report = json.loads((out / "report.json").read_text())
    b64 = next(a for a in report["attacks"] if a["attack"] == "base64")
    assert b64["asr"] == 0.0 and report["model"].startswith("keyword-test+decode")  # settings.decode_defence
    assert f"queued {report['queued']} failures" in capsys.readouterr().out and report["queued"] > 0
    assert (tmp_path / "data" / "flagstone.db").is_file()
    monkeypatch.setenv("FLAGSTONE_DECODE_DEFENCE", "false")  # a server configured without it: so is the run
    assert main(["redteam", "run", "--model", str(model_dir), "--suite", "smoke", "--seeds", str(seeds_path),
                 "--out", str(out), "--no-queue"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert not report["model"].startswith("keyword-test+decode")


def test_default_seeds_are_shipped(tmp_path, model_dir, capsys) -> None:
    out = tmp_path / "run"
    assert main(["redteam", "run", "--model", str(model_dir), "--suite", "smoke", "--out", str(out),
                 "--no-queue"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["seeds"] == "flagstone:redteam/data/seeds.json" and report["seed_items"] == 36
    assert report["flagged_positive_pairs"] > 0 and report["benign_items"] > 0


def test_list(capsys) -> None:
    assert main(["redteam", "list"]) == 0
    out = capsys.readouterr().out
    assert "leetspeak" in out and "probe_counter_speech" in out and "suites: default" in out


def test_bad_inputs_exit_2_with_one_line(tmp_path, model_dir, seeds_path, capsys) -> None:
    assert main(["redteam", "run", "--model", str(model_dir), "--seeds", str(tmp_path / "none.jsonl")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert main(["redteam", "run", "--model", str(model_dir), "--seeds", str(seeds_path), "--suite", "nope"]) == 2
    assert "suite not found" in capsys.readouterr().err
    assert main(["redteam", "run", "--model", str(tmp_path), "--seeds", str(seeds_path)]) == 2
    assert "manifest.json missing" in capsys.readouterr().err
