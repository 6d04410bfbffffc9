"""Policy apply: changed categories become relabel requests, near-threshold first; trust rules."""

from __future__ import annotations

import yaml

from flagstone.data.importer import get_or_create, import_file
from flagstone.data.mapping import load_mapping
from flagstone.data.queue import pending
from flagstone.data.relabel import RELABEL_QUEUE, apply_policy, priority
from flagstone.data.snapshots import create_snapshot, read_snapshot
from flagstone.models.fakes import ConstantModel
from flagstone.policy.versions import import_policy
from flagstone.settings import DEFAULT_POLICY_PATH
from flagstone.store.engine import utcnow
from flagstone.store.tables import annotators, labels
from flagstone.text.normalize import text_key


def variant(tmp_path, category, text, version="v2", field="definition"):
    data = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    data["version"] = version
    if field == "definition":
        data["categories"][category]["definition"] = text
    else:  # threshold target only
        sec = data["categories"][category]
        sec.pop("target_recall", None)
        sec["target_precision"] = 0.93
    path = tmp_path / f"{version}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def model_label(store, text, category, score):
    with store.begin() as conn:
        from flagstone.policy.versions import current_version

        ann = get_or_create(conn, annotators, {"kind": "model", "name": "m@1"}, {"is_expert": False})
        conn.execute(labels.insert().values(item_key=text_key(text), category=category, value=int(score >= 0.5),
                                            score=score, annotator_id=ann, is_pseudo=False,
                                            policy_version_id=current_version(conn).id, created_at=utcnow()))


def test_priority_is_highest_at_threshold():
    assert priority(0.5, 0.5) == 1.0
    assert priority(0.0, 0.5) == 0.0 and priority(1.0, 0.5) == 0.0
    assert priority(0.45, 0.5) > priority(0.2, 0.5)
    assert priority(None, 0.5) == 0.0


def test_definition_change_queues_items_ordered_by_score(policy_store, data_fixtures, tmp_path):
    import_file(policy_store, data_fixtures / "mod_small.jsonl", "mod", load_mapping(data_fixtures / "openai_keys.yaml"))
    model_label(policy_store, "I am going to hurt you badly", "violence", 0.95)
    model_label(policy_store, "Have a lovely day", "violence", 0.48)
    import_policy(policy_store, variant(tmp_path, "violence", "A rewritten definition of violence for v2."))
    r = apply_policy(policy_store, "v2")
    assert r.changed_categories == ("violence",)
    # Items with violence labels: hurt (V=1), lovely day (V=0), burn house (V=1).
    assert r.queued == {"violence": 3}
    reqs = pending(policy_store, RELABEL_QUEUE)
    assert [q["item_key"] for q in reqs][:2] == [text_key("Have a lovely day"), text_key("I am going to hurt you badly")]
    assert all(q["reason"] == "relabel" and q["category"] == "violence" for q in reqs)
    # Old violence labels are history: the snapshot no longer trusts them; other categories keep theirs.
    t = read_snapshot(create_snapshot(policy_store, "mod").path)
    row = next(x for x in t.to_pylist() if x["key"] == text_key("I am going to hurt you badly"))
    assert row["violence"] is None and row["harassment"] == 1
    # Applying the same version again queues nothing new.
    assert apply_policy(policy_store, "v2").queued == {}
    assert len(pending(policy_store, RELABEL_QUEUE)) == 3


def test_moderator_scores_prioritise_when_given(policy_store, data_fixtures, tmp_path):
    import_file(policy_store, data_fixtures / "mod_small.jsonl", "mod", load_mapping(data_fixtures / "openai_keys.yaml"))
    import_policy(policy_store, variant(tmp_path, "hate", "A rewritten definition of hate for version two."))
    model = ConstantModel(0.5)
    apply_policy(policy_store, "v2", moderator=model)
    reqs = pending(policy_store, RELABEL_QUEUE)
    expected = priority(0.5, model.info.thresholds["hate"])
    assert len(reqs) == 5 and all(abs(q["priority"] - expected) < 1e-9 for q in reqs)


def test_target_only_change_needs_no_relabel(policy_store, data_fixtures, tmp_path):
    import_file(policy_store, data_fixtures / "mod_small.jsonl", "mod", load_mapping(data_fixtures / "openai_keys.yaml"))
    import_policy(policy_store, variant(tmp_path, "hate", "", field="target"))
    r = apply_policy(policy_store, "v2")
    assert r.changed_categories == () and pending(policy_store, RELABEL_QUEUE) == []
    t = read_snapshot(create_snapshot(policy_store, "mod").path)
    assert sum(v is not None for v in t.column("hate").to_pylist()) > 0
