"""``flagstone moderate``: one text, JSONL and CSV files, and what each malformed row gets."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from flagstone.cli.main import main
from flagstone.models.kinds import write_manifest
from flagstone.policy.taxonomy import CATEGORIES

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "fixtures" /
                     "openai_moderation_response.schema.json").read_text())
RESULT_SCHEMA = {**SCHEMA["$defs"]["moderation"], "$defs": SCHEMA["$defs"]}


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    d = tmp_path / "model"
    d.mkdir()
    write_manifest(d, {"kind": "keyword", "name": "kw", "keywords": {"violence": ["hurt"], "hate": ["vermin"]}})
    return d


def _results(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for r in rows:
        jsonschema.validate({k: v for k, v in r.items() if k != "id"}, RESULT_SCHEMA)
    return rows


def test_one_text_prints_one_openai_result(model_dir, capsys):
    assert main(["moderate", "--model-dir", str(model_dir), "I will hurt you"]) == 0
    out = json.loads(capsys.readouterr().out)
    jsonschema.validate(out, RESULT_SCHEMA)
    assert out["flagged"] and out["categories"]["violence"] and list(out["category_scores"]) == list(CATEGORIES)


def test_jsonl_file(model_dir, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "I will hurt you"}\n\n{"text": "calm day"}\n{"id": 7, "text": "vermin"}\n')
    out = tmp_path / "out.jsonl"
    assert main(["moderate", "--model-dir", str(model_dir), "--input", str(src), "--output", str(out)]) == 0
    rows = _results(out)
    assert [r["id"] for r in rows] == ["a", 2, 7]  # missing id -> row number
    assert [r["flagged"] for r in rows] == [True, False, True]
    err = capsys.readouterr().err
    assert "moderating" in err and "moderated 3 rows" in err and "2 flagged" in err


def test_csv_file_with_other_text_field_and_small_batches(model_dir, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text('key,body\nx1,"hurt, a lot"\nx2,"multi\nline calm"\nx3,vermin\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["moderate", "--model-dir", str(model_dir), "--input", str(src), "--output", str(out),
                 "--text-field", "body", "--id-field", "key", "--batch-size", "2"]) == 0
    rows = _results(out)
    assert [(r["id"], r["flagged"]) for r in rows] == [("x1", True), ("x2", False), ("x3", True)]


def test_parquet_file(model_dir, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": [10, 11], "text": ["they are vermin", "hello"]}), src)
    out = tmp_path / "out.jsonl"
    assert main(["moderate", "--model-dir", str(model_dir), "--input", str(src), "--output", str(out)]) == 0
    assert [(r["id"], r["flagged"]) for r in _results(out)] == [(10, True), (11, False)]


BAD_ROWS = [
    ("not json at all", "invalid JSON"),
    ('["a list"]', "must be a JSON object"),
    ('{"body": "no text field"}', "no 'text' field"),
    ('{"text": 42}', "must be a string, got int"),
    ('{"text": "lone \\ud800"}', "U+D800"),
]


@pytest.mark.parametrize("line,reason", BAD_ROWS)
def test_malformed_row_stops_with_file_and_row_and_writes_nothing(model_dir, tmp_path, capsys, line, reason):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "fine"}\n' + line + "\n")
    out = tmp_path / "out.jsonl"
    assert main(["moderate", "--model-dir", str(model_dir), "--input", str(src), "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{src}, row 2: " in err and reason in err and "--skip-bad" in err
    assert not out.exists() and list(tmp_path.glob(".out.jsonl.*")) == []  # no partial output left


def test_control_characters_are_removed_and_the_row_scored_as_the_server_scores_it(model_dir, tmp_path, capsys):
    """A stray NUL, BEL or colour code is junk in user content, not a reason to leave the row unmoderated."""
    src = tmp_path / "in.jsonl"
    rows = ["they are vermin", "they are\u0000 vermin\u0007", "\u001b[31mthey are vermin\u001b[0m", "hello\u0085"]
    src.write_text("".join(json.dumps({"text": r}) + "\n" for r in rows))
    out = tmp_path / "out.jsonl"
    assert main(["moderate", "--model-dir", str(model_dir), "--input", str(src), "--output", str(out)]) == 0
    results = _results(out)
    assert [r["flagged"] for r in results] == [True, True, True, False]
    assert results[1]["category_scores"] == results[0]["category_scores"] == results[2]["category_scores"]
    assert not (tmp_path / "out.jsonl.rejects.jsonl").exists()
    capsys.readouterr()
    assert main(["moderate", "--model-dir", str(model_dir), "bell \x07 they are vermin"]) == 0
    assert json.loads(capsys.readouterr().out)["flagged"] is True


def test_skip_bad_continues_and_writes_rejects(model_dir, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(['{"text": "hurt"}', *(line for line, _ in BAD_ROWS), '{"text": "ok"}']) + "\n")
    out = tmp_path / "out.jsonl"
    assert main(["moderate", "--model-dir", str(model_dir), "--input", str(src), "--output", str(out),
                 "--skip-bad"]) == 0
    assert [r["id"] for r in _results(out)] == [1, len(BAD_ROWS) + 2]
    rejects = [json.loads(x) for x in (tmp_path / "out.jsonl.rejects.jsonl").read_text().splitlines()]
    assert [r["row"] for r in rejects] == list(range(2, len(BAD_ROWS) + 2))
    for rej, (_, reason) in zip(rejects, BAD_ROWS, strict=True):
        assert reason in rej["error"] and rej["raw"] is not None
    assert f"{len(BAD_ROWS)} bad rows skipped" in capsys.readouterr().err


def test_text_over_the_limit_is_a_bad_row(model_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FLAGSTONE_MAX_INPUT_CHARS", "10")
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "short"}\n{"text": "far too long for the limit"}\n')
    code = main(["moderate", "--model-dir", str(model_dir), "--input", str(src), "--output", str(tmp_path / "o")])
    assert code == 2 and "row 2: 'text' is 26 characters; at most 10" in capsys.readouterr().err


def test_usage_errors(model_dir, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["moderate", "--model-dir", str(model_dir)])
    assert e.value.code == 2 and "give either TEXT or --input" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["moderate", "--model-dir", str(model_dir), "--input", "x.jsonl"])
    assert "--input needs --output" in capsys.readouterr().err
    assert main(["moderate", "--model-dir", str(model_dir), "--input", str(tmp_path / "nope.jsonl"),
                 "--output", str(tmp_path / "o.jsonl")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert main(["moderate", "--model-dir", str(model_dir), "lone \ud800"]) == 2
    assert "U+D800" in capsys.readouterr().err
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "x"}\n')
    assert main(["moderate", "--model-dir", str(model_dir), "--input", str(src), "--output", str(src)]) == 2
    assert "would overwrite the input" in capsys.readouterr().err and src.read_text() == '{"text": "x"}\n'
    assert main(["moderate", "--model-dir", str(model_dir), "--input", str(src),
                 "--output", str(tmp_path / "no" / "dir.jsonl")]) == 2
    assert "directory does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["moderate", "--model-dir", str(model_dir), "--input", str(src), "--output", "o", "--batch-size", "0"])
    assert "must be at least 1" in capsys.readouterr().err
    unknown = tmp_path / "in.xml"
    unknown.write_text("<a/>")
    assert main(["moderate", "--model-dir", str(model_dir), "--input", str(unknown), "--output",
                 str(tmp_path / "o.jsonl")]) == 2
    assert "cannot tell the format" in capsys.readouterr().err


def test_missing_model_is_a_one_line_error(tmp_path, capsys):
    assert main(["moderate", "--model-dir", str(tmp_path / "none"), "hi"]) == 2
    assert "manifest.json missing" in capsys.readouterr().err
