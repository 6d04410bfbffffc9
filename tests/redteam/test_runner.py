"""The runner's definitions of success, on the keyword model and the shipped seed fixture."""

from __future__ import annotations

import numpy as np

from flagstone.evaluation.labelled import LabelledSet
from flagstone.models.fakes import ConstantModel, KeywordModel
from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX
from flagstone.redteam.runner import run_suite
from flagstone.redteam.suite import Suite


def _suite(*attacks: dict, **kw) -> Suite:
    return Suite.model_validate({"name": "t", "attacks": list(attacks), **kw})


def test_counts_flagged_positive_pairs_and_benign_items(keyword_model, seeds) -> None:
    result = run_suite(keyword_model, _suite({"attack": "rot13"}), seeds)
    before = keyword_model.predict_proba(seeds.texts) >= 0.5
    expected_pairs = int(((seeds.labels == 1) & before).sum())
    assert result.n_positive_pairs == expected_pairs > 10
    assert result.n_benign == 12
    rate = result.by_attack()["rot13"]
    # The keyword model cannot read ROT13: every flagged positive pair is missed.
    assert rate.trials == expected_pairs and rate.successes == expected_pairs


def test_normalisation_stops_homoglyphs_on_the_keyword_model(keyword_model, seeds) -> None:
    result = run_suite(keyword_model, _suite({"attack": "homoglyphs", "params": {"rate": 1.0}}), seeds)
    assert result.by_attack()["homoglyphs"].trials > 0
    assert result.by_attack()["homoglyphs"].successes == 0


def test_unlabelled_or_unflagged_items_are_not_attacked(seeds) -> None:
    # A model that flags nothing has no flagged positives to hide: no miss trials at all.
    result = run_suite(ConstantModel(0.0), _suite({"attack": "leetspeak"}, {"attack": "probe_homonyms"}), seeds)
    assert result.n_positive_pairs == 0
    assert [t.kind for t in result.trials] == ["overflag"] * 12
    assert all(not t.success for t in result.trials)
    # A model that flags everything has no benign item left to probe.
    result = run_suite(ConstantModel(1.0), _suite({"attack": "probe_homonyms"}), seeds)
    assert result.n_benign == 0 and result.trials == []


def test_overflag_probe_success_is_a_benign_item_becoming_flagged() -> None:
    model = KeywordModel({"violence": ["kill", "shoot", "execute", "butcher", "attack", "bombed", "hit", "cut",
                                       "shot"]})
    seeds = LabelledSet(texts=["Nice weather.", "See you at lunch."],
                        labels=np.array([[0.0] * 13, [np.nan] * 12 + [0.0]]), source="mem")
    result = run_suite(model, _suite({"attack": "probe_homonyms", "params": {"mode": "replace"}}), seeds)
    assert len(result.trials) == 2
    assert all(t.success and t.category == "violence" for t in result.trials)
    assert result.by_category() == {}  # probes are reported per attack, not as misses


def test_unchanged_texts_are_not_applicable(keyword_model, seeds) -> None:
    result = run_suite(keyword_model, _suite({"attack": "euphemisms"}), seeds)
    na = result.not_applicable.get("euphemisms", 0)
    assert na > 0
    assert all(t.original != t.attacked for t in result.trials)


def test_deterministic_and_sampled(keyword_model, seeds) -> None:
    suite = _suite({"attack": "typos"}, seed=5, max_items=10, samples=2)
    a, b = run_suite(keyword_model, suite, seeds), run_suite(keyword_model, suite, seeds)
    assert a.trials == b.trials
    assert a.n_items == 10
    other = run_suite(keyword_model, _suite({"attack": "typos"}, seed=6, max_items=10, samples=2), seeds)
    assert [t.attacked for t in other.trials] != [t.attacked for t in a.trials]


def test_category_scope_of_an_attack(keyword_model, seeds) -> None:
    from flagstone.redteam.base import make_attack

    attack = make_attack("rot13")
    attack.categories = ("violence",)  # an instance scoped to one category
    result = run_suite(keyword_model, _suite({"attack": "rot13"}), seeds, attacks=[attack])
    assert {t.category for t in result.trials} == {"violence"}
    assert all(t.labels.get("violence") == 1 for t in result.trials)
    assert CATEGORIES[CATEGORY_INDEX["violence"]] == "violence"


def test_max_chars_leaves_long_seeds_out(keyword_model, seeds) -> None:
    limit = 40
    result = run_suite(keyword_model, _suite({"attack": "rot13"}, max_chars=limit), seeds)
    assert result.n_items == sum(len(t) <= limit for t in seeds.texts)
    assert all(len(t.original) <= limit for t in result.trials)
