"""Contract tests over every registered strategy, then each strategy's own behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from flagstone.active import PoolView, available_strategies, get_strategy
from flagstone.errors import InvalidRequestError, NotFoundError

CATS = ("a", "b", "c")


def make_view(n: int = 40, seed: int = 0, **kw) -> PoolView:
    rng = np.random.default_rng(seed)
    base = dict(scores=rng.random((n, 3)), thresholds=np.full(3, 0.5), prevalence=np.array([0.3, 0.01, 0.1]),
                categories=CATS, embeddings=rng.normal(size=(n, 4)))
    base.update(kw)
    return PoolView(**base)


def test_registry_lists_the_builtin_strategies():
    assert {"random", "uncertainty", "rare", "diversity", "hybrid"} <= set(available_strategies())


@pytest.mark.parametrize("name", available_strategies())
@pytest.mark.parametrize(("n", "budget"), [(40, 10), (5, 10), (1, 1)])
def test_every_strategy_returns_distinct_in_range_indices(name, n, budget):
    picked = get_strategy(name).rank(make_view(n), budget, np.random.default_rng(1))
    assert len(picked) == min(n, budget)
    assert len(set(picked.tolist())) == len(picked)
    assert picked.min() >= 0 and picked.max() < n


def test_unknown_strategy_lists_what_is_available():
    with pytest.raises(NotFoundError) as err:
        get_strategy("smartest")
    assert "available: diversity, hybrid, random, rare, uncertainty" in err.value.message


def test_bad_strategy_parameters_are_an_invalid_request():
    with pytest.raises(InvalidRequestError):
        get_strategy("random", nonsense=1)


def test_uncertainty_prefers_scores_nearest_a_threshold():
    scores = np.array([[0.01, 0.02, 0.03], [0.49, 0.0, 0.0], [0.9, 0.99, 0.95], [0.0, 0.6, 0.0]])
    picked = get_strategy("uncertainty").rank(make_view(4, scores=scores, embeddings=None), 2,
                                              np.random.default_rng(0))
    assert picked.tolist() == [1, 3]


def test_rare_hunts_top_scores_of_rare_categories_in_turns():
    scores = np.zeros((6, 3))
    scores[:, 1] = [0.9, 0.8, 0.1, 0.0, 0.0, 0.0]  # b: prevalence 0.01 (rarest)
    scores[:, 2] = [0.0, 0.0, 0.0, 0.7, 0.95, 0.0]  # c: prevalence 0.04
    scores[:, 0] = [0.0, 0.0, 0.0, 0.0, 0.0, 0.99]  # a: common, ignored
    view = make_view(6, scores=scores, prevalence=np.array([0.3, 0.01, 0.04]), embeddings=None)
    assert get_strategy("rare").rank(view, 4, np.random.default_rng(0)).tolist() == [0, 4, 1, 3]


def _one_rare_category(n_labeled: int | None) -> PoolView:
    scores = np.zeros((8, 3))
    scores[:, 1] = [0.99, 0.95, 0.9, 0.53, 0.48, 0.3, 0.1, 0.05]  # b: the only rare category
    scores[:, 0] = np.linspace(0.2, 0.9, 8)  # a, c: common, not hunted
    scores[:, 2] = np.linspace(0.9, 0.2, 8)
    return make_view(8, scores=scores, prevalence=np.array([0.3, 0.01, 0.2]), embeddings=None,
                     n_labeled=n_labeled)


@pytest.mark.parametrize(("n_labeled", "params", "expected"), [
    (1000, {}, [0, 4, 1, 3]),  # by default every other pick is the nearest to b's threshold
    (None, {}, [0, 4, 1, 3]),
    (5000, {"hunt_share": 0.0}, [4, 3, 5, 2]),  # only the threshold's neighbourhood
    (5000, {"hunt_share": 0.25}, [0, 4, 3, 5]),
    (1000, {"hunt_positives": 30}, [0, 1, 2, 3]),  # 10 positives of b found, 30 wanted: hunting only
    (None, {"hunt_positives": 30}, [0, 1, 2, 3]),  # unknown count: hunting, like rare
    (5000, {"hunt_positives": 30}, [0, 4, 1, 3]),  # 50 found: mixed
])
def test_hybrid_mixes_hunting_with_the_threshold_neighbourhood(n_labeled, params, expected):
    view = _one_rare_category(n_labeled)
    assert get_strategy("hybrid", **params).rank(view, 4, np.random.default_rng(0)).tolist() == expected


def test_hybrid_takes_rare_categories_in_turns_like_rare():
    scores = np.zeros((6, 3))
    scores[:, 1] = [0.9, 0.8, 0.1, 0.0, 0.0, 0.0]
    scores[:, 2] = [0.0, 0.0, 0.0, 0.7, 0.95, 0.0]
    scores[:, 0] = [0.0, 0.0, 0.0, 0.0, 0.0, 0.99]
    view = make_view(6, scores=scores, prevalence=np.array([0.3, 0.01, 0.04]), embeddings=None, n_labeled=100)
    assert get_strategy("hybrid").rank(view, 4, np.random.default_rng(0)).tolist() == [0, 4, 1, 3]


@pytest.mark.parametrize(("name", "params"), [("hybrid", {"hunt_share": 1.5}), ("hybrid", {"hunt_positives": -1}),
                                              ("hybrid", {"rare_max": 0}), ("rare", {"rare_max": 2})])
def test_out_of_range_parameters_are_an_invalid_request(name, params):
    with pytest.raises(InvalidRequestError, match="bad parameters"):
        get_strategy(name, **params)


def test_diversity_spreads_over_clusters_and_avoids_labelled_regions():
    cluster = np.array([[0.0, 0.0]] * 5 + [[10.0, 0.0]] * 5 + [[0.0, 10.0]] * 5)
    view = make_view(15, embeddings=cluster, labeled_embeddings=np.array([[0.0, 0.0]]))
    picked = get_strategy("diversity").rank(view, 2, np.random.default_rng(0))
    assert sorted(int(i) // 5 for i in picked) == [1, 2]  # never the already-labelled cluster


def test_diversity_without_embeddings_is_an_invalid_request():
    with pytest.raises(InvalidRequestError, match="needs embeddings"):
        get_strategy("diversity").rank(make_view(embeddings=None), 3, np.random.default_rng(0))


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"scores": np.full((4, 2), 0.5)}, "shapes disagree"),
        ({"scores": np.full((4, 3), 1.5)}, "probabilities in [0, 1]"),
        ({"scores": np.full((4, 3), np.nan)}, "probabilities in [0, 1]"),
        ({"embeddings": np.zeros((3, 2))}, "embeddings must have shape"),
        ({"n_labeled": -1}, "n_labeled must be at least 0"),
    ],
)
def test_bad_pool_views_are_rejected(kw, message):
    with pytest.raises(InvalidRequestError, match=message.replace("[", r"\[").replace("]", r"\]")):
        make_view(4, **kw)
