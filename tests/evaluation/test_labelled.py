import numpy as np
import pytest

from flagstone.errors import DataError
from flagstone.evaluation import evaluate_scores, load_labelled
from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX


def test_short_keys_and_names_absent_is_unknown(fixtures_dir):
    data = load_labelled(fixtures_dir / "labelled_small.jsonl")
    assert len(data) == 5
    v = CATEGORY_INDEX["violence"]
    assert data.labels[0, v] == 1
    assert np.isnan(data.labels[2, v])  # absent key -> unknown, not 0
    assert data.labels[4, CATEGORY_INDEX["hate"]] == 1
    assert np.isnan(data.labels[3]).all()
    assert "illicit" not in data.labelled_categories


def test_any_row_skips_rows_without_labels(fixtures_dir):
    data = load_labelled(fixtures_dir / "labelled_small.jsonl")
    scores = np.zeros((5, len(CATEGORIES)))
    scores[0, CATEGORY_INDEX["violence"]] = 0.9
    scores[4, CATEGORY_INDEX["hate"]] = 0.8
    report = evaluate_scores(scores, data, {c: 0.5 for c in CATEGORIES}, n_boot=0)
    any_row = report.row("any")
    assert any_row.n == 4 and any_row.positives == 2
    assert any_row.auprc == pytest.approx(1.0)
    assert any_row.recall == pytest.approx(1.0) and any_row.precision == pytest.approx(1.0)
    assert report.row("violence").n == 2


@pytest.mark.parametrize("content,match", [
    ('{"prompt": "x", "S": 2}\n', "must be 0 or 1"),
    ('{"prompt": 5, "S": 1}\n', "must be a string"),
    ('{"prompt": "x"\n', "invalid JSON"),
    ('[1, 2]\n', "JSON object"),
    ('{"body": "x", "S": 1}\n', "no text field"),
])
def test_bad_rows_name_file_and_row(tmp_path, content, match):
    f = tmp_path / "bad.jsonl"
    f.write_text('{"prompt": "fine", "S": 0}\n' + content)
    with pytest.raises(DataError, match=match) as exc:
        load_labelled(f)
    assert "bad.jsonl, row 2" in exc.value.message


def test_csv_and_non_utf8(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("text,hate,V\nhello,0,\nawful people,1,0\n")
    data = load_labelled(f)
    assert data.labels[1, CATEGORY_INDEX["hate"]] == 1
    assert np.isnan(data.labels[0, CATEGORY_INDEX["violence"]])
    g = tmp_path / "latin1.jsonl"
    g.write_bytes(b'{"prompt": "caf\xe9", "S": 0}\n')
    with pytest.raises(DataError, match="not UTF-8"):
        load_labelled(g)
    with pytest.raises(DataError, match="file not found"):
        load_labelled(tmp_path / "missing.jsonl")


def test_labelled_files_are_read_by_the_data_readers(tmp_path):
    """TSV, .json as JSON Lines and blank lines: the same rows the importer and training read."""
    t = tmp_path / "d.tsv"
    t.write_text("text\thate\nhello, there\t0\nawful people\t1\n")
    assert load_labelled(t).texts == ["hello, there", "awful people"]
    j = tmp_path / "d.json"
    j.write_text('{"prompt": "a", "S": 1}\n\n{"prompt": "b", "S": 0}\n')
    assert load_labelled(j).texts == ["a", "b"]
    with pytest.raises(DataError, match="unsupported file type '.xlsx'"):
        load_labelled(tmp_path / "d.xlsx")
