"""Composite rows (training/compose.py): built from the training split only, labels combined as stated."""

from __future__ import annotations

import numpy as np

from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX
from flagstone.training.compose import (
    SOURCE_LONG,
    SOURCE_PADDED,
    ComposeSpec,
    append_composites,
    compose_rows,
)
from flagstone.training.sources import UNKNOWN, Examples

V, H = CATEGORY_INDEX["violence"], CATEGORY_INDEX["hate"]


def _data() -> tuple[Examples, np.ndarray]:
    texts, labels, sources = [], [], []
    for i in range(40):  # negatives that know every category
        texts.append(f"a calm sentence number {i} about gardens")
        labels.append(np.zeros(len(CATEGORIES), dtype=np.int8))
        sources.append("benign")
    for i in range(10):  # negatives that know only hate
        row = np.full(len(CATEGORIES), UNKNOWN, dtype=np.int8)
        row[H] = 0
        texts.append(f"forum post {i} with nothing hateful")
        labels.append(row)
        sources.append("forum")
    for i in range(5):
        row = np.zeros(len(CATEGORIES), dtype=np.int8)
        row[V] = 1
        texts.append(f"I will hurt person {i} tonight")
        labels.append(row)
        sources.append("threats")
    for i in range(5):  # dev rows: never inside a composite
        texts.append(f"dev row {i} I will hurt you")
        row = np.zeros(len(CATEGORIES), dtype=np.int8)
        row[V] = 1
        labels.append(row)
        sources.append("dev")
    calib = np.zeros(len(texts), dtype=bool)
    calib[:4] = True  # calibration rows: never inside a composite either
    return Examples(texts, np.array(labels), sources), calib


def test_composites_use_training_rows_only_and_combine_labels() -> None:
    data, calib = _data()
    spec = ComposeSpec(long_negatives=30, padded_positives=30, min_parts=2, max_parts=4, max_words=60)
    texts, labels = compose_rows(data, calib, spec, dev_source="dev")
    assert len(texts) > 30 and len(texts) == len(labels)
    for t, lab in zip(texts, labels, strict=True):
        assert "dev row" not in t and not any(data.texts[i] in t for i in range(4))
        assert len(t.split()) <= 60
        if "hurt person" in t:
            assert lab[V] == 1  # the harmful part stays positive inside benign padding
        else:
            assert (lab != 1).all()
        if "forum post" in t:
            assert lab[V] == UNKNOWN and lab[H] == 0  # a part that does not know violence leaves it unknown
        else:
            assert (lab[[j for j in range(len(CATEGORIES)) if j != V]] == 0).all()


def test_composites_are_seeded_and_appended_as_training_rows() -> None:
    data, calib = _data()
    spec = ComposeSpec(long_negatives=10, padded_positives=10, min_parts=2, max_parts=3)
    a = compose_rows(data, calib, spec, dev_source="dev")
    b = compose_rows(data, calib, spec, dev_source="dev")
    assert a[0] == b[0] and np.array_equal(a[1], b[1])
    merged, weights, cal = append_composites(data, np.ones(len(data)), calib, spec, dev_source="dev")
    added = len(merged) - len(data)
    assert added == len(a[0]) and not cal[len(data):].any() and (weights[len(data):] == 1).all()
    assert set(merged.sources[len(data):]) <= {SOURCE_LONG, SOURCE_PADDED}


def test_composites_report_the_rows_they_are_made_of() -> None:
    data, calib = _data()
    spec = ComposeSpec(long_negatives=6, padded_positives=4, min_parts=2, max_parts=4, max_words=60, seed=3)
    parts: list[list[int]] = []
    merged, _, _ = append_composites(data, np.ones(len(data)), calib, spec, dev_source="dev", parts_out=parts)
    added = merged.texts[len(data):]
    assert len(parts) == len(added) > 0
    for text, rows in zip(added, parts, strict=True):
        assert text == " ".join(data.texts[i] for i in rows)
        assert not calib[rows].any() and all(data.sources[i] != "dev" for i in rows)


def _pool(extra: int = 0) -> tuple[Examples, np.ndarray]:
    """400 negatives and 40 positives of varied length, then ``extra`` more negatives appended."""
    texts, labels = [], []
    for i in range(400 + extra):
        n = i if i < 400 else 10_000 + i
        texts.append(f"note {n} " + "about the weather " * (1 + n % 5))
        labels.append(np.zeros(len(CATEGORIES), dtype=np.int8))
    for i in range(40):
        row = np.zeros(len(CATEGORIES), dtype=np.int8)
        row[V] = 1
        texts.insert(i * 10, f"I will hurt person {i} tonight")  # positives spread among the negatives
        labels.insert(i * 10, row)
    return Examples(texts, np.array(labels), ["pool"] * len(texts)), np.zeros(len(texts), dtype=bool)


def test_hash_draw_keeps_composites_when_rows_are_added() -> None:
    """Adding 4 rows to 440 redraws every composite by position, but only those the new rows join by hash."""
    changed = {}
    for draw in ("position", "hash"):
        spec = ComposeSpec(long_negatives=100, padded_positives=100, min_parts=3, max_parts=6, max_words=120,
                           draw=draw)
        before, _ = compose_rows(*_pool(), spec, dev_source="dev")
        after, _ = compose_rows(*_pool(extra=4), spec, dev_source="dev")
        assert len(before) == len(after) == 200
        changed[draw] = sum(a != b for a, b in zip(before, after, strict=True))
        if draw == "hash":
            new = [t for t in after if "note 1040" in t]  # the added rows (10400..10403) join a few composites
            assert new and changed[draw] == len([t for t in after if t not in before])
    assert changed["position"] >= 180
    assert changed["hash"] <= 30


def test_hash_draw_is_seeded_and_keeps_the_rules() -> None:
    data, calib = _data()
    spec = ComposeSpec(long_negatives=30, padded_positives=30, min_parts=2, max_parts=4, max_words=60, draw="hash")
    a = compose_rows(data, calib, spec, dev_source="dev")
    assert a[0] == compose_rows(data, calib, spec, dev_source="dev")[0]
    assert a[0] != compose_rows(data, calib, spec.model_copy(update={"seed": 1}), dev_source="dev")[0]
    for t, lab in zip(*a, strict=True):
        assert "dev row" not in t and not any(data.texts[i] in t for i in range(4))
        assert len(t.split()) <= 60
        assert (lab[V] == 1) == ("hurt person" in t)

