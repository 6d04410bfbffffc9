"""Mapping files as training reads them: rules, conditions, column rules, subsampling and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from flagstone.errors import ConfigError, DataError
from flagstone.policy.taxonomy import CATEGORY_INDEX
from flagstone.training.sources import Mapping, label_row, load_mapping, load_source


def _m(**kw) -> Mapping:
    base = {"name": "t", "licence_class": "A", "file": "f.csv", "columns": {"text": "text"}}
    return Mapping.model_validate({**base, **kw})


def test_rules_apply_in_order_and_star_sets_all() -> None:
    m = _m(rules=[{"when": {"y": "0"}, "set": {"*": 0}}, {"when": {"y": "0"}, "set": {"hate": None}}])
    lab = label_row({"text": "x", "y": "0"}, m)
    assert lab[CATEGORY_INDEX["hate"]] == -1 and lab[CATEGORY_INDEX["sexual"]] == 0


def test_conditions() -> None:
    m = _m(rules=[{"when": {"s": {"ge": 0.5}, "tags": {"contains": "S004"}, "k": ["a", "b"]},
                   "set": {"sexual": 1}}])
    assert label_row({"s": "0.5", "tags": "S004lewd", "k": "b"}, m)[CATEGORY_INDEX["sexual"]] == 1
    assert label_row({"s": "0.4", "tags": "S004lewd", "k": "b"}, m)[CATEGORY_INDEX["sexual"]] == -1
    assert label_row({"s": "n/a", "tags": "S004", "k": "a"}, m)[CATEGORY_INDEX["sexual"]] == -1
    assert label_row({"s": "1", "tags": None, "k": "a"}, m)[CATEGORY_INDEX["sexual"]] == -1


def test_column_rules_absent_is_unknown_and_bad_value_is_an_error() -> None:
    m = _m(labels=[{"column": "S", "category": "sexual", "positive": [1], "negative": [0]}])
    assert label_row({}, m)[CATEGORY_INDEX["sexual"]] == -1
    assert label_row({"S": 1}, m)[CATEGORY_INDEX["sexual"]] == 1
    assert label_row({"S": "0.0"}, m)[CATEGORY_INDEX["sexual"]] == 0
    with pytest.raises(DataError, match=r"f.csv, row 3: column 'S': value 'yes' is not in positive"):
        label_row({"S": "yes"}, m, file="f.csv", index=3)


def test_column_rules_then_label_dict_then_rules_override() -> None:
    m = _m(labels=[{"column": "S", "category": "sexual", "positive": [1], "negative": [0]}], label_dict="labels",
           rules=[{"when": {"S": "1"}, "set": {"hate": None}}])
    lab = label_row({"S": 1, "labels": {"sexual": 0, "hate": 1}}, m)
    assert lab[CATEGORY_INDEX["sexual"]] == 0  # the label_dict overrides the column rule
    assert lab[CATEGORY_INDEX["hate"]] == -1  # and a rule overrides the label_dict


def test_bad_mapping_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_mapping(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nlicence_class: A\nfile: f\ncolumns: {text: t}\nrules: [{set: {nonsense: 1}}]\n")
    with pytest.raises(ConfigError, match=r"bad.yaml:5: rules.0.set: .*unknown categories"):
        load_mapping(bad)
    # the training format that came before (a top-level text, copy) is refused, with its line
    bad.write_text("name: x\nlicence_class: A\nfile: f\ntext: t\ncopy: {S: sexual}\n")
    with pytest.raises(ConfigError, match=r"bad.yaml:1: \(top level\): .*columns: \{text: COLUMN\}"):
        load_mapping(bad)
    bad.write_text("name: [unclosed\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_mapping(bad)


def test_bad_data_files(tmp_path: Path) -> None:
    m = _m(rules=[{"set": {"hate": 1}}])
    with pytest.raises(DataError, match="not found"):
        load_source(m, tmp_path)
    (tmp_path / "f.csv").write_text("other\nx\n")
    with pytest.raises(DataError, match="no text column"):
        load_source(m, tmp_path)
    (tmp_path / "f.jsonl").write_text('{"text": "a"}\n{broken\n')
    with pytest.raises(DataError, match="row 2"):
        load_source(_m(file="f.jsonl", format="jsonl", rules=[{"set": {"hate": 1}}]), tmp_path)
    with pytest.raises(ConfigError, match="names its data file"):
        load_source(_m(file=None), tmp_path)
    with pytest.raises(ConfigError, match="licence class None may not train"):
        load_source(_m(licence_class=None), tmp_path)


def test_tsv_and_nested_text_columns(tmp_path: Path) -> None:
    (tmp_path / "f.tsv").write_text("text\ty\na, b\t1\n")
    ex = load_source(_m(file="f.tsv", rules=[{"when": {"y": "1"}, "set": {"hate": 1}}]), tmp_path)
    assert ex.texts == ["a, b"]
    (tmp_path / "f.jsonl").write_text(json.dumps({"msg": {"body": "nested"}, "labels": {"hate": 1}}) + "\n")
    ex = load_source(_m(file="f.jsonl", columns={"text": "msg.body"}, label_dict="labels"), tmp_path)
    assert ex.texts == ["nested"] and ex.labels[0, CATEGORY_INDEX["hate"]] == 1


def test_subsample_is_deterministic_per_group(tmp_path: Path) -> None:
    rows = "\n".join(json.dumps({"text": f"t{i}", "g": i % 2}) for i in range(40))
    (tmp_path / "f.jsonl").write_text(rows + "\n")
    m = _m(file="f.jsonl", format="jsonl", rules=[{"set": {"hate": 0}}], sample={"max_rows": 5, "per": "g"})
    a, b = load_source(m, tmp_path), load_source(m, tmp_path)
    assert len(a) == 10 and a.texts == b.texts
    assert np.all(a.labels[:, CATEGORY_INDEX["hate"]] == 0)


def test_rows_without_text_or_labels_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "f.csv").write_text("text,y\n,1\nkeep,1\nnolabel,0\n")
    ex = load_source(_m(rules=[{"when": {"y": "1"}, "set": {"hate": 1}}]), tmp_path)
    assert ex.texts == ["keep"]
