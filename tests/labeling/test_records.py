"""Outcomes in the store: labels only for successes, a run row for every outcome; label sets read back."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.labeling.ui_setup import PASSWORD, TEXTS

from flagstone.labeling.base import Decision, LabelOutcome
from flagstone.labeling.records import latest_labels, llm_rationales, save_outcomes
from flagstone.labeling.tables import llm_label_runs
from flagstone.labeling.ui import work
from flagstone.policy.versions import get_version
from flagstone.store.tables import labels
from flagstone.text.normalize import text_key


def test_save_outcomes_writes_labels_only_for_successes(store):
    vid = get_version(store, "current").id
    ok = LabelOutcome(text_key(TEXTS[0]), "llm:m", "h", {"hate": Decision(True, "slur"), "violence": Decision(False)},
                      prompt_tokens=10, completion_tokens=3)
    bad = LabelOutcome(text_key(TEXTS[1]), "llm:m", "h", error="gave up", attempts=4)
    assert save_outcomes(store, [ok, bad], vid) == {"labelled": 1, "failed": 1, "label_rows": 2}
    with store.connect() as conn:
        assert {r.item_key for r in conn.execute(select(labels.c.item_key))} == {text_key(TEXTS[0])}
        runs = {r.item_key: r for r in conn.execute(select(llm_label_runs))}
    assert runs[text_key(TEXTS[1])].error == "gave up" and runs[text_key(TEXTS[1])].attempts == 4
    assert runs[text_key(TEXTS[0])].prompt_tokens == 10
    assert latest_labels(store, kind="model", name="llm:m") == {text_key(TEXTS[0]): {"hate": True, "violence": False}}
    assert llm_rationales(store, "llm:m")[(text_key(TEXTS[0]), "hate")] == "slur"


def test_outcome_invariants():
    with pytest.raises(ValueError):
        LabelOutcome("k", "a", "h", {"hate": Decision(True)}, error="both")
    with pytest.raises(ValueError):
        LabelOutcome("k", "a", "h")


def test_people_majority_with_ties_going_to_the_latest_label(store):
    key = text_key(TEXTS[0])
    ann, ada = work.authenticate(store, "ann", PASSWORD), work.authenticate(store, "ada", PASSWORD)
    work.submit_labels(store, ann, key, "al-batch-1", ["hate"])
    work.submit_labels(store, ada, key, "al-batch-1", [], none_of_these=True)
    assert latest_labels(store, kind="person")[key]["hate"] is False  # 1-1 tie: the latest (ada) wins
    work.create_user(store, "eve", PASSWORD, "annotator")
    work.submit_labels(store, work.authenticate(store, "eve", PASSWORD), key, "al-batch-1", ["hate"])
    assert latest_labels(store, kind="person")[key]["hate"] is True  # 2-1


def test_saving_the_same_llm_labels_again_adds_nothing_and_people_still_win(store):
    from flagstone.data.labels import current_labels
    from flagstone.store.tables import datasets

    vid = get_version(store, "current").id
    out = LabelOutcome(text_key(TEXTS[0]), "llm:m", "h", {"harassment": Decision(False), "hate": Decision(True)})
    assert save_outcomes(store, [out], vid)["label_rows"] == 2
    assert save_outcomes(store, [out, out], vid)["label_rows"] == 0  # a rerun (or a repeat) writes no duplicate
    changed = LabelOutcome(text_key(TEXTS[0]), "llm:m", "h", {"hate": Decision(False)})
    assert save_outcomes(store, [changed], vid)["label_rows"] == 1  # a changed judgement is new history
    with store.connect() as conn:
        assert len(conn.execute(select(labels.c.id)).all()) == 3
    user = work.authenticate(store, "ann", PASSWORD)
    work.submit_labels(store, user, text_key(TEXTS[0]), "al-batch-1", ["harassment"])
    save_outcomes(store, [out], vid)  # the LLM says otherwise afterwards: stored, but not the label
    with store.connect() as conn:
        ds = conn.execute(select(datasets.c.id).where(datasets.c.name == "pool")).scalar_one()
        hashes = get_version(store, "current").category_hashes
        resolved = current_labels(conn, ds, hashes)[text_key(TEXTS[0])]
    assert resolved["harassment"] == 1 and resolved["hate"] == 0


def test_qc_reports_machine_labels_that_disagree_with_people(store):
    from flagstone.data.qc.report import run_qc

    vid = get_version(store, "current").id
    user = work.authenticate(store, "ann", PASSWORD)
    work.submit_labels(store, user, text_key(TEXTS[0]), "al-batch-1", ["harassment"])
    save_outcomes(store, [LabelOutcome(text_key(TEXTS[0]), "llm:m", "h", {"harassment": Decision(False),
                                                                           "hate": Decision(False)})], vid)
    report = run_qc(store, "pool")
    assert report.summary["machine_human_disagreements"] == {"harassment": 1}
    assert [d[1:] for d in report.details["machine_human"]["harassment"]] == [("model:llm:m", 0, 1)]
