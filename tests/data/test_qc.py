"""QC over a store dataset with planted problems: each detector finds what was planted."""

from __future__ import annotations

import json

import numpy as np
import pytest

from flagstone.data.importer import get_or_create, import_file
from flagstone.data.mapping import load_mapping
from flagstone.data.qc.report import QcOptions, run_qc, write_report
from flagstone.data.snapshots import create_snapshot
from flagstone.policy.versions import current_version
from flagstone.store.engine import utcnow
from flagstone.store.tables import annotators, labels
from flagstone.text.normalize import text_key

BAD = ["idiot", "moron", "loser", "stupid", "pathetic", "worthless"]
GOOD = ["lovely", "sunny", "garden", "recipe", "holiday", "music"]


def planted_rows():
    rng = np.random.default_rng(1)
    rows, flipped = [], []
    for i in range(160):
        pos = i % 2 == 0
        text = " ".join(rng.choice(BAD if pos else GOOD, 4).tolist()) + f" note{i}"
        label = int(pos)
        if i in (10, 51, 90):
            label, _ = 1 - label, flipped.append(text)
        rows.append({"prompt": text, "H": label})
    base = "the committee will meet on thursday afternoon to review the annual budget proposal"
    rows += [{"prompt": base, "H": 0}, {"prompt": base.upper() + "!!!", "H": 0},          # exact (loose)
             {"prompt": base.replace("thursday", "friday"), "H": 0}]                       # near
    rows += [{"prompt": "you people disgust me", "H": 1}, {"prompt": "you people disgust me", "H": 0}]  # conflict
    rows += [{"prompt": "   ", "H": 0}, {"prompt": "1234 5678 #### 9999 %%%%", "H": 0},
             {"prompt": "word " * 100, "H": 0}]
    return rows, flipped


@pytest.fixture
def qc_store(policy_store, data_fixtures, tmp_path):
    rows, flipped = planted_rows()
    f = tmp_path / "planted.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    import_file(policy_store, f, "planted", load_mapping(data_fixtures / "openai_keys.yaml"))
    return policy_store, flipped


def add_labels(store, name, pairs, *, expert=False):
    with store.begin() as conn:
        ann = get_or_create(conn, annotators, {"kind": "person", "name": name}, {"is_expert": expert})
        pv = current_version(conn).id
        conn.execute(labels.insert(), [dict(item_key=text_key(t), category="hate", value=v, annotator_id=ann,
                                            policy_version_id=pv, is_pseudo=False, created_at=utcnow())
                                       for t, v in pairs])


def test_detectors_find_planted_problems(qc_store, tmp_path):
    store, flipped = qc_store
    rows, _ = planted_rows()
    texts = [r["prompt"] for r in rows[:160]]
    # An expert labels 20 items; "carol" agrees, "dave" answers at random-ish (inverts half).
    gold = [(t, int(i % 2 == 0)) for i, t in enumerate(texts[100:120], start=100)]
    add_labels(store, "expert", gold, expert=True)
    add_labels(store, "carol", gold)
    add_labels(store, "dave", [(t, v if i % 2 else 1 - v) for i, (t, v) in enumerate(gold)])
    create_snapshot(store, "planted")  # gives splits for the leakage check
    report = run_qc(store, "planted", QcOptions(max_chars=300))
    s, d = report.summary, report.details
    keys = d["_keys"]
    assert (s["empty"], s["non_text"], s["over_long"]) == (1, 1, 1)
    assert s["exact_duplicate_groups"] == 1 and s["exact_duplicate_items"] == 1
    assert s["near_duplicate_pairs"] >= 1
    # The disagreeing duplicate rows, and the 10 items where dave contradicts everyone else.
    conflicted = {keys[i] for i in d["conflicts"]["hate"]}
    assert text_key("you people disgust me") in conflicted and len(conflicted) == 11
    found = {keys[i] for i in d["label_errors"]["hate"]}
    assert len(found & {text_key(t) for t in flipped}) >= 2
    assert s["poor_annotators"] == ["person:dave"]
    assert d["agreement"]["annotators"]["person:carol"]["kappa"] == pytest.approx(1.0)
    assert s["leakage_pairs"] == 0  # snapshot splits keep near-duplicate groups together
    html, js = write_report(report, tmp_path / "reports", QcOptions(max_chars=300))
    page = html.read_text()
    assert "Quality report: planted" in page and "person:dave" in page and "<script" not in page
    assert json.loads(js.read_text())["summary"]["empty"] == 1


def test_leakage_counted_when_metadata_splits_straddle(policy_store, tmp_path):
    from flagstone.data.mapping import parse_mapping

    base = "a long enough sentence about trains leaving the station at noon every single day"
    rows = [{"t": base, "split": "train"}, {"t": base + " indeed", "split": "test"},
            {"t": "completely different words about gardening in spring time", "split": "test"}]
    f = tmp_path / "s.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    m = parse_mapping({"name": "s", "columns": {"text": "t", "metadata": ["split"]}, "labels": []})
    import_file(policy_store, f, "s", m)
    assert run_qc(policy_store, "s").summary["leakage_pairs"] == 1


def add_model_labels(store, name, pairs, *, pseudo=False):
    with store.begin() as conn:
        ann = get_or_create(conn, annotators, {"kind": "model", "name": name}, {"is_expert": False})
        pv = current_version(conn).id
        conn.execute(labels.insert(), [dict(item_key=text_key(t), category="hate", value=v, annotator_id=ann,
                                            policy_version_id=pv, is_pseudo=pseudo, created_at=utcnow())
                                       for t, v in pairs])


def test_html_report_lists_machine_labels_that_disagree_with_people(policy_store, tmp_path):
    from flagstone.data.mapping import parse_mapping

    texts = ["you lot are subhuman filth", "what a pleasant walk by the river", "they should all be deported"]
    f = tmp_path / "m.jsonl"
    f.write_text("".join(json.dumps({"t": t}) + "\n" for t in texts))
    import_file(policy_store, f, "m", parse_mapping({"name": "m", "columns": {"text": "t"}, "labels": []}))
    add_labels(policy_store, "carol", [(texts[0], 1), (texts[1], 0), (texts[2], 1)])
    add_model_labels(policy_store, "llm:judge-7b", [(texts[0], 0), (texts[1], 0), (texts[2], 1)])  # wrong once
    add_model_labels(policy_store, "model:abc123", [(texts[1], 1)], pseudo=True)  # wrong once
    report = run_qc(policy_store, "m")
    assert report.summary["machine_human_disagreements"] == {"hate": 2}
    html, js = write_report(report, tmp_path / "reports")
    page = html.read_text()
    section = page.split('id="machine-human"')[1].split("<h2>")[0]
    rows = section.split("<tr>")[2:]  # after the header row
    assert len(rows) == 2
    by_machine = {("model:llm:judge-7b" in r, "model:abc123" in r and "llm:" not in r): r for r in rows}
    wrong_llm, wrong_pseudo = by_machine[(True, False)], by_machine[(False, True)]
    assert texts[0] in wrong_llm and '<td class="num">0</td><td class="num">1</td>' in wrong_llm
    assert texts[1] in wrong_pseudo and '<td class="num">1</td><td class="num">0</td>' in wrong_pseudo
    assert texts[2] not in section  # the LLM agreed with carol there
    assert "machine labels disagreeing with people</th><td>hate: 2" in page
    assert json.loads(js.read_text())["summary"]["machine_human_disagreements"] == {"hate": 2}


def test_html_report_says_none_without_machine_human_disagreement(policy_store, tmp_path):
    from flagstone.data.mapping import parse_mapping

    f = tmp_path / "n.jsonl"
    f.write_text(json.dumps({"t": "a calm note about the weather"}) + "\n")
    import_file(policy_store, f, "n", parse_mapping({"name": "n", "columns": {"text": "t"}, "labels": []}))
    add_labels(policy_store, "carol", [("a calm note about the weather", 0)])
    add_model_labels(policy_store, "llm:judge-7b", [("a calm note about the weather", 0)])
    html, _ = write_report(run_qc(policy_store, "n"), tmp_path / "reports")
    section = html.read_text().split('id="machine-human"')[1].split("<h2>")[0]
    assert '<p class="muted">none</p>' in section and "<table>" not in section
