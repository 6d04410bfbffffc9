"""Failures go to the store's labeling queue once, with how they were made."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from flagstone.redteam.queue import enqueue_failures
from flagstone.redteam.runner import run_suite
from flagstone.redteam.suite import Suite
from flagstone.store.tables import dataset_items, items, label_queue, labels
from flagstone.store.testing import backends, temp_store


@pytest.mark.parametrize("backend", backends())
def test_enqueue_failures_once(backend, tmp_path, keyword_model, seeds) -> None:
    suite = Suite.model_validate({"name": "q", "attacks": [{"attack": "rot13"}]})
    result = run_suite(keyword_model, suite, seeds)
    n_fail = len(result.failures())
    with temp_store(backend, tmp_path) as store:
        added = enqueue_failures(store, result)
        assert added == n_fail > 0
        assert enqueue_failures(store, result) == 0  # idempotent
        with store.connect() as conn:
            rows = conn.execute(select(label_queue)).all()
            assert len(rows) == n_fail
            assert {r.queue for r in rows} == {"redteam"} and {r.reason for r in rows} == {"redteam"}
            assert {r.status for r in rows} == {"pending"}
            assert all(0 <= r.priority <= 1 for r in rows)
            texts = set(conn.execute(select(items.c.text)).scalars())
            assert texts == {t.attacked for t in result.failures()}
            meta = [json.loads(m) for m in conn.execute(select(dataset_items.c.meta)).scalars()]
            assert all(m["origin"] == "redteam" and m["attack"] == "rot13" for m in meta)
            # Nothing is labelled until a person confirms it.
            assert conn.execute(select(labels)).all() == []
