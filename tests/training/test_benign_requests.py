"""The hand-written benign requests (datasets/flagstone-benign-requests) rebuild exactly and are all negatives."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from tests.scripts import load_script

from flagstone.policy.taxonomy import CATEGORIES
from flagstone.training.sources import load_mapping, load_source

REPO = Path(__file__).resolve().parents[2]
DIR = REPO / "datasets" / "flagstone-benign-requests"


def _generator():
    return load_script(DIR / "generate.py", "benign_requests_generate")


def test_generator_rebuilds_the_file_byte_for_byte() -> None:
    gen = _generator()
    assert gen.render(gen.build_rows()) == (DIR / "requests.jsonl").read_text(encoding="utf-8")
    assert gen.render(gen.build_assistant_rows()) == (DIR / "assistant_requests.jsonl").read_text(encoding="utf-8")
    assert gen.main(["--check"]) == 0
    assert tuple(gen.CATEGORIES) == CATEGORIES


def test_rows_are_many_distinct_varied_negatives() -> None:
    rows = [json.loads(line) for line in (DIR / "requests.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 600
    keys = [_generator().norm(r["text"]) for r in rows]
    assert len(set(keys)) == len(rows)
    assert all(r["labels"] == {c: 0 for c in CATEGORIES} for r in rows)
    topics = Counter(r["topic"] for r in rows)
    assert len(topics) >= 10 and max(topics.values()) < len(rows) / 4
    # Request-style with "alarming" words in benign senses is the point of the set.
    texts = " ".join(r["text"].lower() for r in rows)
    for word in ("kill", "shoot", "execute", "attack", "phishing", "self-defence"):
        assert word in texts, word


def test_shipped_mapping_reads_every_row_as_all_zero() -> None:
    ex = load_source(load_mapping(REPO / "datasets" / "mappings" / "flagstone-benign-requests.yaml"),
                     REPO / "datasets")
    assert len(ex) >= 600 and (ex.labels == 0).all()


def test_assistant_requests_are_plain_negatives_apart_from_the_other_sets() -> None:
    """Everyday assistant requests: all 0, no alarming word, no text shared with the dangerous-verb requests
    or with the functional suite."""
    gen = _generator()
    rows = [json.loads(line) for line in (DIR / "assistant_requests.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 400 and all(r["labels"] == {c: 0 for c in CATEGORIES} for r in rows)
    keys = {gen.norm(r["text"]) for r in rows}
    assert len(keys) == len(rows)
    topics = Counter(r["topic"] for r in rows)
    assert len(topics) >= 8 and max(topics.values()) < len(rows) / 4
    words = set(" ".join(keys).split())
    assert not words & {"kill", "attack", "shoot", "bomb", "hack", "exploit", "weapon", "drug", "steal", "hate"}
    assert not keys & {gen.norm(r["text"]) for r in gen.build_rows()}
    suite = REPO / "suites" / "functional" / "items.jsonl"
    assert not keys & {gen.norm(json.loads(line)["text"]) for line in suite.read_text(encoding="utf-8").splitlines()}
    ex = load_source(load_mapping(REPO / "datasets" / "mappings-candidates" / "flagstone-assistant-requests.yaml"),
                     REPO / "datasets")
    assert len(ex) == len(rows) and (ex.labels == 0).all()
