"""Fixtures for the labeling tests: a small but valid policy and a stub chat server."""

from __future__ import annotations

import pytest

from flagstone.labeling.stub_server import StubChatServer, keyword_responder
from flagstone.policy.schema import Policy
from flagstone.policy.taxonomy import CATEGORIES


def make_policy(version: str = "test-1") -> Policy:
    cats = {
        c: {
            "definition": f"Content that is {c} as this test policy defines it.",
            "includes": [f"clear cases of {c}"],
            "excludes": [f"news reporting about {c}"],
            "positive_examples": [f"an example of {c}"],
            "negative_examples": ["a recipe for banana bread"],
            "input_types": ["text"],
            "target_precision": 0.8,
        }
        for c in CATEGORIES
    }
    return Policy.model_validate({"name": "test policy", "version": version, "categories": cats})


KEYWORDS = {"harassment": ["idiot"], "violence": ["punch"], "hate": ["vermin"]}


@pytest.fixture
def policy() -> Policy:
    return make_policy()


@pytest.fixture
def stub():
    with StubChatServer(responder=keyword_responder(KEYWORDS)) as server:
        yield server


@pytest.fixture
def store(tmp_path):
    """The seeded store of ``ui_setup.build_store`` (policy, items, queues, UI accounts), disposed after."""
    from tests.labeling.ui_setup import build_store

    s = build_store(tmp_path)
    yield s
    s.dispose()


@pytest.fixture
def env(tmp_path):
    """The app ``flagstone serve`` builds, in a test client over a seeded store (no gold mixed in):
    ``(client, store)``."""
    from fastapi.testclient import TestClient
    from tests.labeling.ui_setup import build_store, ui_app, ui_settings

    store = build_store(tmp_path)
    with TestClient(ui_app(ui_settings(tmp_path))) as client:
        yield client, store
    store.dispose()
