"""Label-preserving perturbations reuse the red-team attacks and carry labels over."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from flagstone.augment.perturb import AugmentSpec, label_preserving_attacks, perturb_rows
from flagstone.text.normalize import text_key

ROWS = [("I will stab you tomorrow", {"violence": 1}), ("Lovely weather for a picnic", {"violence": 0}),
        ("You are a worthless idiot", {"harassment": 1}), ("", {"violence": 0})]


def test_only_label_preserving_attacks_are_allowed() -> None:
    allowed = label_preserving_attacks()
    assert "leetspeak" in allowed and "typos" in allowed
    for excluded in ("base64", "rot13", "framing_fiction", "probe_homonyms"):
        assert excluded not in allowed
    with pytest.raises(ValidationError, match="not label-preserving"):
        AugmentSpec(attacks=["base64"])
    with pytest.raises(ValidationError):
        AugmentSpec(fraction=0)


def test_perturbed_copies_keep_labels_and_say_how_they_were_made() -> None:
    items = perturb_rows(ROWS, AugmentSpec(fraction=1.0, copies=2, seed=1))
    parents = {text_key(t): labels for t, labels in ROWS if t}
    assert 0 < len(items) <= 6
    for it in items:
        assert it.origin.startswith("perturb:") and it.meta["attack"] in label_preserving_attacks()
        assert it.labels == parents[it.meta["parent_key"]]
        assert it.text not in {t for t, _ in ROWS}
    # Seeded: the same spec gives the same items; another seed gives others.
    assert perturb_rows(ROWS, AugmentSpec(fraction=1.0, copies=2, seed=1)) == items
    assert perturb_rows(ROWS, AugmentSpec(fraction=1.0, copies=2, seed=2)) != items


def test_fraction_limits_how_many_rows_are_perturbed() -> None:
    rows = [(f"row number {i} with some words", {"violence": 0}) for i in range(200)]
    items = perturb_rows(rows, AugmentSpec(fraction=0.25, attacks=["typos"]))
    assert 30 <= len(items) <= 70


def test_a_row_is_perturbed_the_same_whatever_the_other_rows() -> None:
    spec = AugmentSpec(fraction=1.0, seed=5)
    alone = perturb_rows(ROWS[:1], spec)
    together = perturb_rows(list(reversed(ROWS)), spec)
    assert alone and alone[0] in together


def test_positive_fraction_and_families() -> None:
    rows = [(f"row number {i} with some words", {"violence": i % 2}) for i in range(100)]
    items = perturb_rows(rows, AugmentSpec(fraction=0.0, positive_fraction=1.0, attacks=["inner_spacing"]))
    assert len(items) == 50 and all(it.labels == {"violence": 1} for it in items)
    spec = AugmentSpec(families=["word"])
    assert set(spec.attacks) == set(label_preserving_attacks("word")) and "typos" in spec.attacks
    with pytest.raises(ValidationError, match="no label-preserving attacks in families"):
        AugmentSpec(families=["encoding"])
