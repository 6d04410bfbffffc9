"""Policy versions: content-addressed import, lookup by reference, per-category diff, CLI."""

from __future__ import annotations

import pytest
import yaml

from flagstone.cli.main import main
from flagstone.data.relabel import apply_policy
from flagstone.errors import InvalidRequestError, NotFoundError, PolicyError
from flagstone.policy.loader import load_policy
from flagstone.policy.versions import (
    diff_policies,
    diff_versions,
    get_version,
    import_policy,
    list_versions,
)
from flagstone.settings import DEFAULT_POLICY_PATH
from flagstone.store.testing import backends, temp_store

DEFAULT_VERSION = load_policy(DEFAULT_POLICY_PATH).version


@pytest.fixture(params=backends())
def store(request, tmp_path):
    with temp_store(request.param, tmp_path) as s:
        yield s


def write_variant(tmp_path, name, *, definition=None, target=None, example=None, version="v2"):
    """A copy of the default policy with one category changed."""
    data = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    data["version"] = version
    if definition:
        data["categories"][definition[0]]["definition"] = definition[1]
    if target:
        sec = data["categories"][target[0]]
        sec.pop("target_recall", None)
        sec["target_precision"] = target[1]
    if example:
        data["categories"][example[0]]["positive_examples"].append(example[1])
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_import_is_content_addressed(store, tmp_path):
    v1, created = import_policy(store, DEFAULT_POLICY_PATH)
    assert created and len(v1.hash) == 64
    again, created_again = import_policy(store, DEFAULT_POLICY_PATH)
    assert not created_again and again.hash == v1.hash
    # Same content in a re-serialised file is the same version.
    same = write_variant(tmp_path, "same", version=v1.version)
    assert import_policy(store, same)[0].hash == v1.hash
    assert [v.hash for v in list_versions(store)] == [v1.hash]


def test_bad_policy_file_stores_nothing(store, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nversion: 1\ncategories: {}\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="bad.yaml"):
        import_policy(store, bad)
    assert list_versions(store) == []


def test_resolve_by_version_prefix_and_current(store, tmp_path):
    v1, _ = import_policy(store, DEFAULT_POLICY_PATH)
    v2, _ = import_policy(store, write_variant(tmp_path, "b", definition=("hate", "Changed definition of hate.")))
    assert get_version(store, "v2").hash == v2.hash
    assert get_version(store, v1.hash[:8]).hash == v1.hash
    with pytest.raises(NotFoundError, match="no current policy"):
        get_version(store, "current")
    apply_policy(store, "v2")
    assert get_version(store, "current").hash == v2.hash
    with pytest.raises(NotFoundError, match="available: .*v2"):
        get_version(store, "nope")


def test_same_version_string_twice_is_ambiguous(store, tmp_path):
    import_policy(store, write_variant(tmp_path, "a", definition=("hate", "First hate definition text.")))
    import_policy(store, write_variant(tmp_path, "b", definition=("hate", "Second hate definition text.")))
    with pytest.raises(InvalidRequestError, match="ambiguous"):
        get_version(store, "v2")


def test_diff_reports_each_kind_of_change(store, tmp_path):
    import_policy(store, DEFAULT_POLICY_PATH)
    path = write_variant(tmp_path, "b", definition=("hate", "A new definition of hate speech."),
                         target=("violence", 0.77), example=("sexual", "a brand new example"))
    import_policy(store, path)
    d = diff_versions(store, DEFAULT_VERSION, "v2")
    by = {c.category: c for c in d.categories}
    assert by["hate"].changes == ("definition",) and by["hate"].meaning_changed
    assert by["violence"].changes == ("target",) and not by["violence"].meaning_changed
    assert by["sexual"].changes == ("examples",)
    assert by["sexual"].details["positive_examples"]["added"] == ["a brand new example"]
    assert by["harassment"].status == "unchanged"
    assert {c.category for c in d.changed} == {"hate", "violence", "sexual"}


def test_diff_added_and_removed_categories():
    p = load_policy(DEFAULT_POLICY_PATH)
    smaller = p.model_construct(**{**p.__dict__, "categories": {k: v for k, v in p.categories.items()
                                                                  if k != "hate"}})
    d = diff_policies(smaller, p)
    assert [c.status for c in d.categories if c.category == "hate"] == ["added"]
    d2 = diff_policies(p, smaller)
    assert [c.status for c in d2.categories if c.category == "hate"] == ["removed"]


def test_cli_import_list_diff_apply(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FLAGSTONE_DATA_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("FLAGSTONE_DATABASE_URL", raising=False)
    assert main(["policy", "import", str(DEFAULT_POLICY_PATH)]) == 0
    path = write_variant(tmp_path, "b", definition=("hate", "A new definition of hate speech."))
    assert main(["policy", "import", str(path)]) == 0
    assert main(["policy", "apply", "v2"]) == 0
    assert main(["policy", "list"]) == 0
    assert main(["policy", "diff", DEFAULT_VERSION, "v2"]) == 0
    out = capsys.readouterr().out
    assert "imported flagstone-default" in out
    assert "hate: changed (definition)" in out
    assert "* " in out
    assert main(["policy", "show", "nope"]) == 2
    assert "unknown policy version" in capsys.readouterr().err
