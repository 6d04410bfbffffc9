"""The hand-written seed data (datasets/flagstone-seed) is well formed and consistent with the policy."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from flagstone.policy import CATEGORIES, load_default_policy

SEED_DIR = Path(__file__).resolve().parents[2] / "datasets" / "flagstone-seed"
IMPLIED_PARENTS = {
    "harassment/threatening": "harassment",
    "hate/threatening": "hate",
    "illicit/violent": "illicit",
    "self-harm/intent": "self-harm",
    "self-harm/instructions": "self-harm",
    "violence/graphic": "violence",
}
MIN_POSITIVES = {
    "violence/graphic": 100,
    "self-harm/instructions": 100,
    "harassment/threatening": 100,
    "hate/threatening": 100,
    "violence": 100,
    "self-harm/intent": 100,
    "illicit/violent": 50,
}


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    out = []
    with (SEED_DIR / "seed.jsonl").open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:  # pragma: no cover - the assertion message is the point
                pytest.fail(f"seed.jsonl line {n} is not JSON: {exc}")
    return out


def test_every_row_has_the_documented_shape(rows):
    assert rows
    for r in rows:
        assert set(r) == {"text", "labels", "kind", "source_rule"}, r
        assert isinstance(r["text"], str) and 3 <= len(r["text"].split()) <= 60, r["text"]
        assert r["kind"] in {"hard_negative", "positive"}
        assert set(r["labels"]) <= set(CATEGORIES), r["labels"]
        assert all(v in (0, 1) for v in r["labels"].values()), r


def test_hard_negatives_are_all_zero(rows):
    negatives = [r for r in rows if r["kind"] == "hard_negative"]
    assert len(negatives) >= 1200
    for r in negatives:
        assert r["labels"] == {c: 0 for c in CATEGORIES}, r["text"]


def test_positives_set_their_parents_and_thin_categories_are_covered(rows):
    positives = [r for r in rows if r["kind"] == "positive"]
    for r in positives:
        assert 1 in r["labels"].values(), r["text"]
        for child, parent in IMPLIED_PARENTS.items():
            if r["labels"].get(child) == 1:
                assert r["labels"].get(parent) == 1, (r["text"], child)
    counts = Counter(c for r in positives for c, v in r["labels"].items() if v == 1)
    for category, minimum in MIN_POSITIVES.items():
        assert counts[category] >= minimum, (category, counts[category])


def test_no_sexual_minors_positive_of_any_kind(rows):
    assert all(r["labels"].get("sexual/minors", 0) == 0 for r in rows)
    assert all(r["labels"].get("sexual", 0) == 0 for r in rows)


def test_texts_are_unique_after_normalising(rows):
    keys = [re.sub(r"[^a-z0-9]+", " ", r["text"].lower()).strip() for r in rows]
    dupes = [k for k, n in Counter(keys).items() if n > 1]
    assert not dupes, dupes[:5]


def test_source_rules_quote_the_policy(rows):
    policy = load_default_policy()
    for r in rows:
        head, _, rule = r["source_rule"].partition(": ")
        category, section = head.rsplit(" ", 1)
        assert section == ("excludes" if r["kind"] == "hard_negative" else "includes"), r
        assert rule in getattr(policy.categories[category], section), r["source_rule"]


def test_generator_reproduces_the_committed_file():
    done = subprocess.run(
        [sys.executable, str(SEED_DIR / "generate.py"), "--check"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_readme_and_licence_are_present():
    assert "Apache License" in (SEED_DIR / "LICENSE").read_text(encoding="utf-8")
    readme = (SEED_DIR / "README.md").read_text(encoding="utf-8")
    assert "hand-written" in readme.lower() or "written for this project" in readme
    assert "| hard_negative |" in readme
