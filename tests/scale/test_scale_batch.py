"""The per-batch scoring function both engines run, the JSONL row parser and the per-process model cache."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pyarrow as pa
import pytest

from flagstone.errors import DataError, ModelError
from flagstone.models.kinds import load_model
from flagstone.scale.batch import cached_model, parse_jsonl, score_batch
from flagstone.scale.schema import SCORED_SCHEMA


def _batch(ids, texts, file="in.jsonl", first_row=1):
    return pa.record_batch({"id": pa.array(ids), "text": pa.array(texts, pa.string()),
                            "_file": [file] * len(ids), "_row": list(range(first_row, first_row + len(ids)))})


def test_score_batch_scores_flags_and_version(model_dir):
    model = load_model(model_dir)
    out = score_batch(_batch(["a", "b", "c"], ["hello", "I will kill", "I hate and kill"]), model)
    assert out.schema == SCORED_SCHEMA
    assert out.column("id").to_pylist() == ["a", "b", "c"]
    assert out.column("flags").to_pylist() == [[], ["violence"], ["hate", "violence"]]
    assert out.column("flagged").to_pylist() == [False, True, True]
    assert set(out.column("model_version").to_pylist()) == {model.info.id}
    expected = model.predict_proba(["hello", "I will kill", "I hate and kill"])
    assert np.allclose(out.column("score_violence").to_numpy(), expected[:, 11], atol=1e-6)


def test_control_characters_are_cleaned_as_the_server_cleans_them(model_dir):
    """A NUL inside a word, a colour code or a vertical tab reads as the server reads it, not as a new word."""
    model = load_model(model_dir)
    texts = ["I will ki\x00ll", "\x1b[31mI will kill\x1b[0m", "hate\x0bkill", "fine\x07"]
    out = score_batch(_batch(["a", "b", "c", "d"], texts), model)
    assert out.column("flags").to_pylist() == [["violence"], ["violence"], ["hate", "violence"], []]


def test_batch_flags_follow_the_hierarchy_as_the_server_does(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"kind": "keyword", "name": "k", "files": {},
                                                        "keywords": {"violence/graphic": ["gore"]}}))
    out = score_batch(_batch(["a", "b"], ["so much gore", "fine"]), load_model(tmp_path))
    assert out.column("flags").to_pylist() == [["violence", "violence/graphic"], []]
    assert out.column("score_violence").to_pylist()[0] < 0.5  # the parent's score is the model's own


def test_score_batch_chunks_long_texts_like_the_server(model_dir):
    model = load_model(model_dir)
    long_text = "calm words " * 600 + "kill"
    out = score_batch(_batch(["x"], [long_text]), model, max_chunks=64)
    assert out.column("flags").to_pylist() == [["violence"]]


def test_score_batch_integer_ids_become_strings_and_empty_batches_work(model_dir):
    model = load_model(model_dir)
    assert score_batch(_batch([7, 8], ["a", "b"]), model).column("id").to_pylist() == ["7", "8"]
    assert score_batch(_batch([], []).cast(pa.schema([("id", pa.string()), ("text", pa.string()),
                                                      ("_file", pa.string()), ("_row", pa.int64())])),
                       model).num_rows == 0


def test_null_text_names_file_and_row(model_dir):
    with pytest.raises(DataError) as err:
        score_batch(_batch(["a", "b"], ["fine", None], file="big.parquet", first_row=4097), load_model(model_dir))
    assert (err.value.file, err.value.row) == ("big.parquet", 4098)
    assert "'text' is null" in err.value.message


@pytest.mark.parametrize("line, reason", [
    ('{"id": 1, "text": "ok"', "corrupt JSON"),
    ('["id", "text"]', "expected a JSON object, got list"),
    ('{"id": 1}', "'text' must be a string, got missing/null"),
    ('{"id": 1, "text": 5}', "'text' must be a string, got int"),
    ('{"id": true, "text": "x"}', "'id' must be a string or integer, got bool"),
    ('{"text": "x"}', "'id' must be a string or integer, got missing/null"),
])
def test_parse_jsonl_bad_rows(line, reason):
    good = json.dumps({"id": 1, "text": "ok"})
    with pytest.raises(DataError) as err:
        parse_jsonl([good, "", line], ["f.jsonl"] * 3, [1, 2, 3])
    assert (err.value.file, err.value.row) == ("f.jsonl", 3)
    assert reason in err.value.message


def test_parse_jsonl_skips_blank_lines_and_keeps_rows():
    batch = parse_jsonl(['{"id": "a", "text": "x"}', "  ", '{"id": 2, "text": "y"}'], ["f"] * 3, [1, 2, 3])
    assert batch.to_pydict() == {"id": ["a", "2"], "text": ["x", "y"], "_file": ["f", "f"], "_row": [1, 3]}


def test_cached_model_loads_once_and_reloads_a_changed_artifact(tmp_path, model_dir):
    art = tmp_path / "m"
    shutil.copytree(model_dir, art)
    first = cached_model(art)
    assert cached_model(art) is first
    manifest = json.loads((art / "manifest.json").read_text())
    manifest["keywords"]["hate"] = ["hate", "despise"]
    (art / "manifest.json").write_text(json.dumps(manifest))
    second = cached_model(art)
    assert second is not first and second.info.version != first.info.version


def test_cached_model_missing_artifact_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="manifest.json missing"):
        cached_model(tmp_path / "nothing")
