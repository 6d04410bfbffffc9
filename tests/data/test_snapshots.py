"""Snapshots: content-addressed, immutable, current labels, group-consistent splits, diff."""

from __future__ import annotations

import pytest

from flagstone.data.importer import import_file
from flagstone.data.mapping import load_mapping
from flagstone.data.snapshots import (
    create_snapshot,
    diff_snapshots,
    read_snapshot,
    resolve_snapshot,
)
from flagstone.errors import NotFoundError
from flagstone.store.engine import utcnow
from flagstone.store.tables import annotators, labels
from flagstone.text.normalize import text_key


@pytest.fixture
def loaded(policy_store, data_fixtures):
    import_file(policy_store, data_fixtures / "mod_small.jsonl", "mod", load_mapping(data_fixtures / "openai_keys.yaml"))
    return policy_store


def add_person_label(store, text, category, value, *, expert=False, name="alice"):
    from flagstone.data.importer import get_or_create
    from flagstone.policy.versions import current_version

    with store.begin() as conn:
        ann = get_or_create(conn, annotators, {"kind": "person", "name": name}, {"is_expert": expert})
        conn.execute(labels.insert().values(item_key=text_key(text), category=category, value=value,
                                            annotator_id=ann, policy_version_id=current_version(conn).id,
                                            is_pseudo=False, created_at=utcnow()))


def test_snapshot_is_content_addressed_and_immutable(loaded):
    s1 = create_snapshot(loaded, "mod")
    assert s1.created and s1.path.is_file() and s1.manifest_path.is_file()
    s2 = create_snapshot(loaded, "mod")
    assert s2.id == s1.id and not s2.created
    t = read_snapshot(s1.path)
    assert t.num_rows == 7
    assert t.column("key").to_pylist() == sorted(t.column("key").to_pylist())
    row = next(r for r in t.to_pylist() if r["key"] == text_key("people like them are vermin"))
    assert (row["hate"], row["harassment"], row["sexual"]) == (1, 0, None)
    assert set(t.column("split").to_pylist()) <= {"train", "calibration", "dev", "test"}


def test_near_duplicates_share_a_split(policy_store, tmp_path, data_fixtures):
    import json

    base = "this is a fairly long message about the weather in the mountains during winter time number"
    rows = [{"prompt": f"{base} {i}"} for i in range(30)] + [{"prompt": f"unrelated {i} " * 5} for i in range(30)]
    f = tmp_path / "dups.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    import_file(policy_store, f, "dups", load_mapping(data_fixtures / "openai_keys.yaml"))
    t = read_snapshot(create_snapshot(policy_store, "dups").path)
    by_group: dict[str, set] = {}
    for g, s in zip(t.column("group").to_pylist(), t.column("split").to_pylist(), strict=True):
        by_group.setdefault(g, set()).add(s)
    assert all(len(s) == 1 for s in by_group.values())
    assert max(t.column("group").to_pylist().count(g) for g in by_group) >= 30  # the near-dup family


def test_person_label_overrides_import_and_diff_shows_it(loaded):
    s1 = create_snapshot(loaded, "mod")
    add_person_label(loaded, "people like them are vermin", "harassment", 1, expert=True)
    s2 = create_snapshot(loaded, "mod")
    assert s2.id != s1.id
    d = diff_snapshots(read_snapshot(s1.path), read_snapshot(s2.path))
    assert d.added == [] and d.removed == []
    assert d.label_changes == {"harassment": [(text_key("people like them are vermin"), 0, 1)]}


def test_diff_added_removed(loaded, data_fixtures, tmp_path):
    a = read_snapshot(create_snapshot(loaded, "mod").path)
    b = a.slice(1)
    d = diff_snapshots(a, b)
    assert d.removed == [a.column("key")[0].as_py()] and d.added == []
    assert diff_snapshots(b, a).added == d.removed


def test_resolve_by_dataset_and_prefix(loaded):
    s = create_snapshot(loaded, "mod")
    assert resolve_snapshot(loaded, "mod") == s.path
    assert resolve_snapshot(loaded, s.id[:8]) == s.path
    with pytest.raises(NotFoundError, match="available"):
        resolve_snapshot(loaded, "nope")


def test_unknown_dataset(policy_store):
    with pytest.raises(NotFoundError, match="unknown dataset 'ghost'"):
        create_snapshot(policy_store, "ghost")
