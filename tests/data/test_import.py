"""Import: formats, mapping semantics, bad rows, atomicity and idempotence."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select

from flagstone.data.importer import import_file
from flagstone.data.mapping import load_mapping, parse_mapping
from flagstone.errors import ConfigError, ConflictError, DataError
from flagstone.store.tables import annotators, dataset_items, labels
from flagstone.text.normalize import text_key


def test_jsonl_import_keys_labels_and_metadata(policy_store, data_fixtures):
    m = load_mapping(data_fixtures / "openai_keys.yaml")
    r = import_file(policy_store, data_fixtures / "mod_small.jsonl", "mod", m)
    # 8 rows; "Have a   lovely day" normalises to the same key as "Have a lovely day".
    assert (r.rows_total, r.rows_accepted, r.rows_rejected) == (8, 8, 0)
    assert r.new_items == 7
    with policy_store.connect() as conn:
        hurt = conn.execute(select(labels.c.category, labels.c.value)
                            .where(labels.c.item_key == text_key("I am going to hurt you badly"))).all()
        assert sorted(hurt) == [("harassment", 1), ("hate", 0), ("violence", 1)]
        # Absent keys are unknown, not 0: the unlabeled row has no labels at all.
        assert conn.execute(select(func.count()).select_from(labels)
                            .where(labels.c.item_key == text_key("no labels at all here"))).scalar_one() == 0
        ann = conn.execute(select(annotators.c.kind, annotators.c.name)).all()
        assert ann == [("import", "import:openai-keys-test")]
        meta = conn.execute(select(dataset_items.c.meta, dataset_items.c.source_id)
                            .where(dataset_items.c.item_key == text_key("people like them are vermin"))).one()
        assert json.loads(meta.meta) == {"src": "forum"} and meta.source_id == "a5"
    # Duplicate text with identical labels adds no label rows: 3 + 4 + 2 + 0 + 2 + 2 + 2 = 15.
    assert r.new_labels == 15


def test_csv_threshold_and_unknown_values(policy_store, data_fixtures):
    m = load_mapping(data_fixtures / "toxic_csv.yaml")
    r = import_file(policy_store, data_fixtures / "mod_small.csv", "csv", m)
    assert r.rows_accepted == 4
    with policy_store.connect() as conn:
        rows = conn.execute(select(labels.c.item_key, labels.c.category, labels.c.value)).all()
    got = {(k, c): v for k, c, v in rows}
    assert got[(text_key("what a stupid, stupid take"), "hate")] == 0  # 1 < threshold 2
    assert (text_key("what a stupid, stupid take"), "harassment") not in got  # -1 is unknown
    assert got[(text_key("You are an idiot, go away"), "harassment")] == 1


def test_parquet_import_matches_jsonl(policy_store, data_fixtures, tmp_path):
    rows = [json.loads(line) for line in (data_fixtures / "mod_small.jsonl").read_text().splitlines()]
    cols = sorted({k for r in rows for k in r})
    table = pa.table({c: [r.get(c) for r in rows] for c in cols})
    pq.write_table(table, tmp_path / "mod.parquet")
    m = load_mapping(data_fixtures / "openai_keys.yaml")
    r = import_file(policy_store, tmp_path / "mod.parquet", "pq", m)
    assert (r.rows_accepted, r.new_items, r.new_labels) == (8, 7, 15)


def test_reimport_changes_nothing(policy_store, data_fixtures, counts):
    m = load_mapping(data_fixtures / "openai_keys.yaml")
    import_file(policy_store, data_fixtures / "mod_small.jsonl", "mod", m)
    before = counts(policy_store)
    again = import_file(policy_store, data_fixtures / "mod_small.jsonl", "mod", m)
    assert again.already_imported
    assert counts(policy_store) == before


def test_overlapping_file_adds_only_new_rows(policy_store, data_fixtures, tmp_path, counts):
    m = load_mapping(data_fixtures / "openai_keys.yaml")
    import_file(policy_store, data_fixtures / "mod_small.jsonl", "mod", m)
    before = counts(policy_store)
    extra = tmp_path / "more.jsonl"
    extra.write_text((data_fixtures / "mod_small.jsonl").read_text()
                     + json.dumps({"prompt": "a genuinely new line", "S": 1}) + "\n")
    r = import_file(policy_store, extra, "mod", m)
    assert (r.new_items, r.new_labels) == (1, 1)
    assert counts(policy_store)["items"] == before["items"] + 1


def test_bad_row_fails_whole_import_with_row_number(policy_store, data_fixtures, counts):
    m = load_mapping(data_fixtures / "openai_keys.yaml")
    before = counts(policy_store)
    with pytest.raises(DataError, match=r"mod_bad.jsonl, row 2: text column 'prompt' is missing or null"):
        import_file(policy_store, data_fixtures / "mod_bad.jsonl", "bad", m)
    assert counts(policy_store) == before


def test_skip_bad_writes_rejects_with_reasons(policy_store, data_fixtures, tmp_path):
    m = load_mapping(data_fixtures / "openai_keys.yaml")
    rej = tmp_path / "rejects.jsonl"
    r = import_file(policy_store, data_fixtures / "mod_bad.jsonl", "bad", m, skip_bad=True, rejects_path=rej)
    assert (r.rows_total, r.rows_accepted, r.rows_rejected) == (6, 2, 4)
    got = [json.loads(line) for line in rej.read_text().splitlines()]
    assert [g["row"] for g in got] == [2, 3, 4, 5]
    assert "missing or null" in got[0]["reason"]
    assert "'maybe' is not in positive, negative or unknown" in got[1]["reason"]
    assert "invalid JSON" in got[2]["reason"]
    assert "holds int, not text" in got[3]["reason"]
    assert got[1]["raw"]["id"] == "b3"  # the raw row is kept, nothing is lost


def test_import_needs_a_current_policy(store, data_fixtures):
    m = load_mapping(data_fixtures / "openai_keys.yaml")
    with pytest.raises(ConflictError, match="policy apply"):
        import_file(store, data_fixtures / "mod_small.jsonl", "mod", m)


@pytest.mark.parametrize("data, match", [
    ({"name": "x", "columns": {"text": "t"}, "labels": [{"column": "a", "category": "nope", "positive": [1]}]},
     "unknown categories"),
    ({"name": "x", "columns": {"text": "t"}, "labels": [{"column": "a", "category": "hate"}]},
     "positive/negative values or a threshold"),
    ({"name": "x", "labels": []}, "columns"),
    (["not", "a", "mapping"], "a mapping file is a YAML mapping"),
])
def test_bad_mappings_are_config_errors(data, match):
    with pytest.raises(ConfigError, match=match):
        parse_mapping(data)


def test_missing_mapping_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_mapping(tmp_path / "nope.yaml")


def test_unknown_file_format(policy_store, data_fixtures, tmp_path):
    f = tmp_path / "data.xlsx"
    f.write_text("x")
    with pytest.raises(DataError, match="cannot tell the format"):
        import_file(policy_store, f, "x", load_mapping(data_fixtures / "openai_keys.yaml"))


def test_worker_processes_give_the_same_result(policy_store, data_fixtures):
    m = load_mapping(data_fixtures / "openai_keys.yaml")
    r = import_file(policy_store, data_fixtures / "mod_bad.jsonl", "w", m, skip_bad=True, workers=1)
    assert (r.rows_total, r.rows_accepted, r.rows_rejected, r.new_items) == (6, 2, 4, 2)


def test_training_recipe_mapping_files_are_accepted(policy_store, data_fixtures, fixtures_dir):
    """The shipped dataset mappings (the default model's recipe uses them) import as they are."""
    mapping_file = fixtures_dir.parents[1] / "datasets" / "mappings" / "openai-moderation-dev.yaml"
    m = load_mapping(mapping_file)
    r = import_file(policy_store, data_fixtures / "mod_small.jsonl", "omd", m)
    assert (r.rows_accepted, r.new_items, r.new_labels) == (8, 7, 15)
    with policy_store.connect() as conn:
        assert conn.execute(select(annotators.c.name)).scalar_one() == "import:openai-moderation-dev"


def test_training_rules_mapping_with_bad_value(policy_store, tmp_path):
    (tmp_path / "m.yaml").write_text(
        "name: t\nlicence_class: A\nfile: x.csv\ncolumns: {text: t}\n"
        "labels: [{column: flag, category: hate, positive: [1], negative: [0]}]\n"
        "rules:\n  - when: {kind: benign}\n    set: {'*': 0}\n")
    (tmp_path / "d.csv").write_text("t,flag,kind\nhello there,,benign\nyou lot are vermin,1,\nodd row,7,\n")
    m = load_mapping(tmp_path / "m.yaml")
    with pytest.raises(DataError, match="row 3: column 'flag': value '7' is not in positive"):
        import_file(policy_store, tmp_path / "d.csv", "t", m)
    r = import_file(policy_store, tmp_path / "d.csv", "t", m, skip_bad=True)
    assert (r.rows_accepted, r.rows_rejected, r.new_labels) == (2, 1, 14)  # 13 zeros + hate=1
