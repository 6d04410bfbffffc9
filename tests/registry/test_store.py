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


_KILL_MID_MOVE = """
import os, signal, sys
from pathlib import Path
import flagstone.registry.store as store_mod
from flagstone.registry.store import ModelRegistry
from flagstone.store import open_store

real_update, calls = store_mod.update, []

def dying_update(*a, **k):  # the process dies after archiving the old model, before the new one moves
    calls.append(1)
    if len(calls) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return real_update(*a, **k)

store_mod.update = dying_update
ModelRegistry(open_store(url=sys.argv[1], data_dir=Path(sys.argv[2]))).move(sys.argv[3], "production", actor="killed")
"""


def test_a_promotion_killed_half_way_leaves_the_production_pointer(registry, tmp_path):
    import signal
    import subprocess
    import sys

    a = registry.register(keyword_artifact(tmp_path / "a", {"violence": ["hurt"]}), actor="alice")
    b = registry.register(keyword_artifact(tmp_path / "b", {"violence": ["kill"]}), actor="alice")
    registry.move(a.short, "production", actor="alice")
    before = registry.history()
    url = registry.store.engine.url.render_as_string(hide_password=False)
    proc = subprocess.run([sys.executable, "-c", _KILL_MID_MOVE, url, str(tmp_path), b.version], timeout=60,
                          capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert registry.production().version == a.version and registry.get(b.short).stage == "candidate"
    assert registry.history() == before  # no half-recorded move in the audit either
    assert registry.move(b.short, "production", actor="alice").stage == "production"  # nothing left locked
