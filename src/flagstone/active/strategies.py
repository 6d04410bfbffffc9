"""The built-in selection strategies, registered once by name; lookups derive from the registry.

* ``random`` — the baseline every other strategy must beat;
* ``uncertainty`` — items whose score is closest (in log-odds) to some category's threshold;
* ``rare`` — rare-category hunting: for categories whose prevalence is at most ``rare_max``, take
  the highest-scoring items, rarest category first, in turns (one per category per turn); categories
  whose scores are flat on the pool are left out, and with no rare category left every category with
  varying scores is hunted;
* ``diversity`` — k-center greedy on embeddings: each pick is the item farthest from everything
  already labelled or picked;
* ``hybrid`` — the categories ``rare`` hunts, in turns; a ``hunt_share`` of each category's turns hunt
  (top scores) and the others take the item nearest (in log-odds) to its threshold, refining its
  ranking. With ``hunt_positives`` > 0 a category is only hunted until that many of its positives are
  labelled. The defaults (half and half from the first batch) were chosen on a tuning split of the
  pool in ``benchmarks/al_simulation.py --tune``, never on its dev set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from flagstone.active.base import PoolView, Strategy
from flagstone.errors import InvalidRequestError, NotFoundError
from flagstone.plugins import Registry

STRATEGIES: Registry[Callable[..., Strategy]] = Registry("strategy", error=NotFoundError)


def register_strategy(cls: type) -> type:
    return STRATEGIES.register()(cls)


def available_strategies() -> list[str]:
    return STRATEGIES.names()


def get_strategy(name: str, **params: Any) -> Strategy:
    factory = STRATEGIES.get(name)
    try:
        return factory(**params)
    except (TypeError, ValueError) as exc:  # unknown names or values out of range
        raise InvalidRequestError(f"strategy {name!r}: bad parameters {sorted(params)}: {exc}") from exc


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


@register_strategy
class RandomStrategy:
    name = "random"

    def rank(self, pool: PoolView, budget: int, rng: np.random.Generator) -> np.ndarray:
        return rng.permutation(pool.size)[: min(budget, pool.size)]


@register_strategy
class UncertaintyStrategy:
    name = "uncertainty"

    def rank(self, pool: PoolView, budget: int, rng: np.random.Generator) -> np.ndarray:
        margin = np.abs(_logit(pool.scores) - _logit(pool.thresholds)[None, :]).min(axis=1)
        # Random tie-break so equal margins (e.g. an untrained model) do not pick in file order.
        order = np.lexsort((rng.random(pool.size), margin))
        return order[: min(budget, pool.size)]


@register_strategy
class RareStrategy:
    name = "rare"

    def __init__(self, rare_max: float = 0.05) -> None:
        if not 0 < rare_max <= 1:
            raise ValueError("rare_max must be within (0, 1]")
        self.rare_max = rare_max

    def rank(self, pool: PoolView, budget: int, rng: np.random.Generator) -> np.ndarray:
        rare = _hunted(pool, self.rare_max)
        if not rare:
            return rng.permutation(pool.size)[: min(budget, pool.size)]
        jitter = rng.random(pool.size) * 1e-9
        orders = [np.argsort(-(pool.scores[:, j] + jitter), kind="stable") for j in rare]
        picked: list[int] = []
        seen = np.zeros(pool.size, dtype=bool)
        pos = [0] * len(orders)
        want = min(budget, pool.size)
        while len(picked) < want:
            for c, order in enumerate(orders):
                while pos[c] < len(order) and seen[order[pos[c]]]:
                    pos[c] += 1
                if pos[c] < len(order) and len(picked) < want:
                    picked.append(int(order[pos[c]]))
                    seen[order[pos[c]]] = True
        return np.asarray(picked, dtype=np.int64)


def _hunted(pool: PoolView, rare_max: float) -> list[int]:
    """Categories to hunt, rarest first: prevalence at most ``rare_max`` (else all) with varying scores."""
    # A category whose scores do not vary on the pool gives nothing to hunt with: leave it out.
    signal = [j for j in np.argsort(pool.prevalence, kind="stable") if np.ptp(pool.scores[:, j]) > 0]
    return [j for j in signal if pool.prevalence[j] <= rare_max] or signal


@register_strategy
class HybridStrategy:
    name = "hybrid"

    def __init__(self, rare_max: float = 0.05, hunt_positives: int = 0, hunt_share: float = 0.5) -> None:
        if not 0 < rare_max <= 1 or not 0 <= hunt_share <= 1 or hunt_positives < 0:
            raise ValueError("need 0 < rare_max <= 1, 0 <= hunt_share <= 1 and hunt_positives >= 0")
        self.rare_max, self.hunt_positives, self.hunt_share = rare_max, hunt_positives, hunt_share

    def shares(self, pool: PoolView, cats: list[int]) -> list[float]:
        """Share of each category's turns that hunt: all of them until enough positives are labelled."""
        found = pool.prevalence[cats] * (pool.n_labeled or 0)  # positives labelled so far, per category
        return [1.0 if f < self.hunt_positives else self.hunt_share for f in found]

    def rank(self, pool: PoolView, budget: int, rng: np.random.Generator) -> np.ndarray:
        cats, want = _hunted(pool, self.rare_max), min(budget, pool.size)
        if not cats:
            return rng.permutation(pool.size)[:want]
        jitter = rng.random(pool.size) * 1e-9
        margin = np.abs(_logit(pool.scores[:, cats]) - _logit(pool.thresholds[cats])[None, :])
        orders = [(np.argsort(-(pool.scores[:, j] + jitter), kind="stable"),
                   np.argsort(margin[:, c] + jitter, kind="stable")) for c, j in enumerate(cats)]
        shares = self.shares(pool, cats)
        picked: list[int] = []
        seen = np.zeros(pool.size, dtype=bool)
        pos = [[0, 0] for _ in cats]
        turns, hunts = [0] * len(cats), [0] * len(cats)
        while len(picked) < want:
            for c in range(len(cats)):
                if len(picked) == want:
                    break
                h = 0 if hunts[c] < shares[c] * (turns[c] + 1) - 1e-9 else 1  # spread hunting turns evenly
                order = orders[c][h]
                while seen[order[pos[c][h]]]:  # pool.size > len(picked): an unseen item remains
                    pos[c][h] += 1
                picked.append(int(order[pos[c][h]]))
                seen[picked[-1]] = True
                turns[c], hunts[c] = turns[c] + 1, hunts[c] + (h == 0)
        return np.asarray(picked, dtype=np.int64)


@register_strategy
class DiversityStrategy:
    name = "diversity"

    def rank(self, pool: PoolView, budget: int, rng: np.random.Generator) -> np.ndarray:
        if pool.embeddings is None:
            raise InvalidRequestError("the diversity strategy needs embeddings of the pool")
        emb = np.asarray(pool.embeddings, dtype=np.float64)
        want = min(budget, pool.size)
        if pool.labeled_embeddings is not None and len(pool.labeled_embeddings):
            dist = _min_sq_dist(emb, np.asarray(pool.labeled_embeddings, dtype=np.float64))
            picked: list[int] = []
        else:
            first = int(rng.integers(pool.size))
            picked = [first]
            dist = ((emb - emb[first]) ** 2).sum(axis=1)
        while len(picked) < want:
            nxt = int(np.argmax(dist))
            picked.append(nxt)
            dist = np.minimum(dist, ((emb - emb[nxt]) ** 2).sum(axis=1))
            dist[nxt] = -1.0
        return np.asarray(picked, dtype=np.int64)


def _min_sq_dist(points: np.ndarray, centers: np.ndarray, chunk: int = 512) -> np.ndarray:
    out = np.full(points.shape[0], np.inf)
    p2 = (points**2).sum(axis=1)
    for i in range(0, centers.shape[0], chunk):
        c = centers[i : i + chunk]
        d = p2[:, None] - 2 * points @ c.T + (c**2).sum(axis=1)[None, :]
        out = np.minimum(out, d.min(axis=1))
    return np.maximum(out, 0.0)
