"""Agreement maths on hand-computed cases."""

from __future__ import annotations

import pytest

from flagstone.labeling.agreement import compare


def test_counts_kappa_and_disagreements_on_shared_items_only():
    llm = {"a": {"hate": True}, "b": {"hate": True}, "c": {"hate": False}, "d": {"hate": False},
           "only-llm": {"hate": True}}
    human = {"a": {"hate": True}, "b": {"hate": False}, "c": {"hate": False}, "d": {"hate": False},
             "only-human": {"hate": True}}
    rep = compare(llm, human, categories=["hate"], rationales={("b", "hate"): "calls them vermin"})
    [row] = rep.categories
    assert rep.n_items == 4
    assert (row.n, row.both_positive, row.llm_only, row.human_only, row.both_negative) == (4, 1, 1, 0, 2)
    assert row.agreement == 0.75
    # po = .75, p_llm = .5, p_hum = .25, pe = .125 + .375 = .5 -> kappa = .5
    assert row.kappa == pytest.approx(0.5)
    [d] = rep.disagreements
    assert (d.item_key, d.category, d.llm, d.human, d.rationale) == ("b", "hate", True, False, "calls them vermin")


def test_unknown_category_on_one_side_is_skipped_not_counted_false():
    rep = compare({"a": {"hate": True}}, {"a": {}}, categories=["hate"])
    assert rep.categories[0].n == 0 and rep.categories[0].agreement is None and rep.categories[0].kappa is None
    assert rep.disagreements == []


def test_kappa_undefined_when_both_sides_are_constant_and_equal():
    rep = compare({"a": {"hate": False}}, {"a": {"hate": False}}, categories=["hate"])
    assert rep.categories[0].agreement == 1.0 and rep.categories[0].kappa is None
