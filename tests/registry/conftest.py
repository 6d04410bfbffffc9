"""Registry fixtures: a throwaway store and tiny fake-model artifacts (constant / keyword kinds)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flagstone.models.kinds import write_manifest
from flagstone.registry.store import ModelRegistry
from flagstone.store.testing import backends, temp_store


def make_artifact(directory: Path, **manifest) -> Path:
    """Write a fake-model artifact (no files, so it loads in microseconds)."""
    directory.mkdir(parents=True, exist_ok=True)
    write_manifest(directory, {"files": {}, **manifest})
    return directory


def keyword_artifact(directory: Path, keywords: dict, name: str = "kw") -> Path:
    return make_artifact(directory, kind="keyword", name=name, keywords=keywords)


@pytest.fixture(params=backends())
def registry(request, tmp_path):
    with temp_store(request.param, tmp_path) as store:
        yield ModelRegistry(store)


@pytest.fixture
def good_bad(tmp_path):
    """A model that catches violence and harassment, and a planted regression that catches nothing."""
    good = keyword_artifact(tmp_path / "good", {"violence": ["hurt", "kill"], "harassment": ["hurt", "idiot"],
                                                 "hate": ["vermin"]}, name="good")
    bad = keyword_artifact(tmp_path / "bad", {"violence": ["kill"]}, name="bad")
    return good, bad


def load_json(p: Path) -> dict:
    return json.loads(p.read_text())
