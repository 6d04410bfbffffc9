"""The simulation on a tiny synthetic pool where the rare category is easy to find by its feature."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from flagstone.active.simulation import simulate


def _data(n: int, rng):
    X = rng.normal(size=(n, 6))
    y_common = (X[:, 0] > 0).astype(int)
    y_rare = (X[:, 1] > 2.0).astype(int)  # ~2% positives
    return sparse.csr_matrix(X), np.stack([y_common, y_rare], axis=1)


def test_rare_hunting_finds_more_rare_positives_than_random_and_curves_are_complete():
    rng = np.random.default_rng(0)
    Xp, Yp = _data(600, rng)
    Xd, Yd = _data(300, rng)
    seed_idx = np.unique(np.r_[np.flatnonzero(Yp[:, 1])[:2], np.flatnonzero(Yp[:, 1] == 0)[:30]])
    assert len(seed_idx) == 32 and Yp[seed_idx, 1].sum() == 2
    curves = {s: simulate(s, Xp, Yp, Xd, Yd, categories=("common", "rare"), seed_idx=seed_idx,
                          batch_size=20, max_labels=112, seed=0)
              for s in ("random", "rare", "hybrid")}
    for c in curves.values():
        assert c.n_labels == [32, 52, 72, 92, 112]
        assert len(c.auprc) == len(c.positives) == 5
        assert np.all((c.auprc[-1] >= 0) & (c.auprc[-1] <= 1))
    assert curves["rare"].positives[-1][1] > 2 * curves["random"].positives[-1][1]
    assert curves["hybrid"].positives[-1][1] > 2 * curves["random"].positives[-1][1]
    assert curves["rare"].positives_per_100(1, 112) > curves["random"].positives_per_100(1, 112)
    assert curves["rare"].labels_to_reach(1, 0.0) == 32
