"""Versions move between stages, every move is audited, one production model, rollback."""

from __future__ import annotations

import pytest
from tests.registry.conftest import keyword_artifact, make_artifact

from flagstone.errors import ConflictError, InvalidRequestError, ModelError, NotFoundError


def test_register_is_idempotent_and_audited(registry, tmp_path):
    a = keyword_artifact(tmp_path / "a", {"violence": ["hurt"]})
    v1 = registry.register(a, actor="alice")
    v2 = registry.register(a, actor="bob")
    assert v1.version == v2.version and len(v1.version) == 64 and v1.stage == "candidate"
    events = registry.history(v1.short)
    assert [(e.from_stage, e.to_stage, e.actor) for e in events] == [(None, "candidate", "alice")]


def test_one_production_model_and_rollback(registry, tmp_path):
    a = registry.register(keyword_artifact(tmp_path / "a", {"violence": ["hurt"]}), actor="alice")
    b = registry.register(keyword_artifact(tmp_path / "b", {"violence": ["kill"]}), actor="alice")
    registry.move(a.version, "production", actor="alice")
    registry.move(b.short, "staging", actor="bob", reason="try it")
    registry.move(b.short, "production", actor="bob")
    assert registry.production().version == b.version
    assert registry.get(a.short).stage == "archived"
    back = registry.rollback(actor="carol")
    assert back.version == a.version and registry.get(b.short).stage == "archived"
    moves = [(e.version, e.from_stage, e.to_stage, e.actor) for e in registry.history()]
    assert moves[-2:] == [(b.version, "production", "archived", "carol"), (a.version, "archived", "production", "carol")]
    assert all(e.at is not None for e in registry.history())
    assert [m.version for m in registry.versions("production")] == [a.version]


def test_bad_requests_get_clear_errors(registry, tmp_path):
    with pytest.raises(ModelError, match="manifest.json missing"):
        registry.register(tmp_path / "nowhere", actor="x")
    with pytest.raises(ConflictError, match="nothing is in production"):
        registry.rollback(actor="x")
    a = registry.register(make_artifact(tmp_path / "a", kind="constant", score=0.1), actor="x")
    with pytest.raises(InvalidRequestError, match="unknown stage 'prod'"):
        registry.move(a.short, "prod", actor="x")
    with pytest.raises(NotFoundError):
        registry.get("ffffffffffff")
    with pytest.raises(InvalidRequestError, match="too short"):
        registry.get("ab")
    registry.move(a.short, "production", actor="x")
    with pytest.raises(ConflictError, match="already in production"):
        registry.move(a.short, "production", actor="x")
    with pytest.raises(ConflictError, match="only model ever in production"):
        registry.rollback(actor="x")
    assert registry.production().version == a.version  # a refused action changes nothing
