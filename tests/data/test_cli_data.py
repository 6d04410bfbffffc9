"""The ``flagstone data`` commands end to end on an embedded SQLite store."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from flagstone.cli.main import main
from flagstone.settings import DEFAULT_POLICY_PATH


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    monkeypatch.setenv("FLAGSTONE_DATA_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("FLAGSTONE_DATABASE_URL", raising=False)
    assert main(["policy", "import", str(DEFAULT_POLICY_PATH)]) == 0
    assert main(["policy", "apply", _hash()]) == 0
    return tmp_path


def _hash() -> str:
    from flagstone.policy.loader import load_policy

    return load_policy(DEFAULT_POLICY_PATH).content_hash()[:12]


def run(capsys, *argv) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_import_snapshot_show_sample_query_export_diff(cli_env, capsys, data_fixtures):
    mapping = str(data_fixtures / "openai_keys.yaml")
    rc, out, _ = run(capsys, "data", "import", str(data_fixtures / "mod_small.jsonl"), "--dataset", "mod",
                     "--mapping", mapping)
    assert rc == 0 and "imported 8 of 8 rows into mod: 7 new items, 15 new labels" in out
    rc, out, _ = run(capsys, "data", "import", str(data_fixtures / "mod_small.jsonl"), "--dataset", "mod",
                     "--mapping", mapping)
    assert "nothing changed" in out
    rc, out, _ = run(capsys, "data", "snapshot", "mod")
    assert rc == 0 and "7 items, written" in out
    snap_a = out.split()[1]
    rc, out, _ = run(capsys, "data", "show", "mod")
    assert "mod: 7 items" in out and "hate: 1 positive" in out
    from flagstone.text.normalize import text_key

    rc, out, _ = run(capsys, "data", "show", "--item", text_key("people like them are vermin")[:10])
    assert rc == 0 and "hate=1 by import:openai-keys-test under 2026.11.1" in out
    rc, _, err = run(capsys, "data", "show", "--item", "abc")
    assert rc == 2 and "at least 6 characters" in err
    rc, out, _ = run(capsys, "data", "sample", "mod", "-n", "2", "--category", "violence", "--value", "1")
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 2 and all(r["violence"] == 1 for r in rows)
    rc, out, _ = run(capsys, "data", "query", 'SELECT count(*) AS n FROM mod WHERE "harassment" = 1')
    assert out.splitlines() == ["n", "2"]
    out_file = cli_env / "export.parquet"
    rc, out, _ = run(capsys, "data", "export", "mod", "--out", str(out_file), "--where", "sexual = 0")
    assert rc == 0 and pq.read_table(out_file).num_rows == 2
    rc, out, _ = run(capsys, "data", "export", "mod", "--out", str(cli_env / "e.jsonl"), "--split", "train")
    assert rc == 0
    # A second import adds items; the diff shows them.
    extra = cli_env / "extra.jsonl"
    extra.write_text(json.dumps({"prompt": "a brand new item", "H": 1}) + "\n")
    run(capsys, "data", "import", str(extra), "--dataset", "mod", "--mapping", mapping)
    rc, out, _ = run(capsys, "data", "snapshot", "mod")
    snap_b = out.split()[1]
    rc, out, _ = run(capsys, "data", "diff", snap_a, snap_b)
    assert rc == 0 and "added 1 items, removed 0, 0 label changes" in out


def test_qc_command_writes_report(cli_env, capsys, data_fixtures):
    run(capsys, "data", "import", str(data_fixtures / "mod_small.jsonl"), "--dataset", "mod",
        "--mapping", str(data_fixtures / "openai_keys.yaml"))
    rc, out, _ = run(capsys, "data", "qc", "mod", "--out", str(cli_env / "rep"))
    assert rc == 0 and "qc mod: 7 items" in out
    assert len(list((cli_env / "rep").glob("*.html"))) == 1


@pytest.mark.parametrize("argv, message", [
    (["data", "snapshot", "ghost"], "unknown dataset 'ghost'"),
    (["data", "query", "SELECT * FROM nowhere"], "query failed"),
    (["data", "sample", "nope"], "unknown snapshot"),
    (["data", "import", "x.jsonl", "--dataset", "d", "--mapping", "missing.yaml"], "mapping file not found"),
])
def test_bad_input_is_one_line_and_exit_2(cli_env, capsys, argv, message):
    rc, _, err = run(capsys, *argv)
    assert rc == 2 and message in err and len(err.strip().splitlines()) == 1


def test_bad_row_cli_reports_row_and_skip_bad(cli_env, capsys, data_fixtures):
    args = ["data", "import", str(data_fixtures / "mod_bad.jsonl"), "--dataset", "b",
            "--mapping", str(data_fixtures / "openai_keys.yaml")]
    rc, _, err = run(capsys, *args)
    assert rc == 2 and "row 2" in err and "--skip-bad" in err
    rc, out, _ = run(capsys, *args, "--skip-bad", "--rejects", str(cli_env / "rej.jsonl"))
    assert rc == 0 and "4 bad rows skipped" in out
    assert len((cli_env / "rej.jsonl").read_text().splitlines()) == 4
