"""Anomalies: the pure maths, per-account EWMA z-scores, and global category-mix drift."""

from __future__ import annotations

import numpy as np
import pytest

from flagstone.abuse.anomaly import ewma_update, js_divergence, zscore
from flagstone.abuse.rules import RuleEngine, parse_rules


def test_ewma_converges_to_the_mean_with_small_variance():
    mean, var = 0.0, 0.0
    for _ in range(200):
        mean, var = ewma_update(mean, var, 0.2, alpha=0.1)
    assert mean == pytest.approx(0.2, abs=1e-6) and var < 1e-6
    assert zscore(0.7, mean, var, var_floor=0.0025) == pytest.approx(10.0, rel=1e-3)


def test_js_divergence_bounds():
    assert js_divergence(np.array([5, 5]), np.array([10, 10])) == pytest.approx(0.0, abs=1e-9)
    assert js_divergence(np.array([1, 0]), np.array([0, 1])) == pytest.approx(1.0, abs=1e-6)


ACCOUNT = {"name": "acc", "kind": "account_anomaly", "bucket": 60, "min_requests": 10, "min_flagged": 3,
           "min_buckets": 3, "z_threshold": 4}


def test_account_anomaly_flags_a_jump_in_one_category(rec):
    eng = RuleEngine(parse_rules({"rules": [ACCOUNT]}))
    # 10 minutes of 1 request every 3 s with 5% harassment, then violence jumps to 50%.
    normal = [rec(i * 3.0, "a", text=f"t{i}", flags=("harassment",) if i % 20 == 0 else ()) for i in range(200)]
    assert eng.observe_many(normal) == []
    jump = [rec(600 + i * 3.0, "a", text=f"j{i}", flags=("violence",) if i % 2 else ()) for i in range(20)]
    alerts = eng.observe_many(jump)
    assert [(a.subject, a.category) for a in alerts] == [("account:a", "violence")]
    assert alerts[0].ts < 600 + 60 and alerts[0].details["z"] >= 4


def test_account_anomaly_is_quiet_for_a_steady_account(rec):
    eng = RuleEngine(parse_rules({"rules": [ACCOUNT]}))
    steady = [rec(i * 3.0, "s", text=f"t{i}", flags=("hate",) if i % 3 == 0 else ()) for i in range(1000)]
    assert eng.observe_many(steady) == []


DRIFT = {"name": "drift", "kind": "mix_drift", "window": 120, "half_life": 3600, "z_threshold": 5,
         "ratio": 2, "min_requests": 100, "min_reference": 500, "every": 5}


def _traffic(rec, start: float, n: int, hate_every: int | None):
    return [rec(start + i * 0.5, f"u{i % 50}", text=f"m{start}-{i}",
                flags=("hate",) if hate_every and i % hate_every == 0 else ("harassment",) if i % 50 == 0 else ())
            for i in range(n)]


def test_mix_drift_detects_a_rising_category_and_not_steady_traffic(rec):
    eng = RuleEngine(parse_rules({"rules": [DRIFT]}))
    assert eng.observe_many(_traffic(rec, 0, 4000, hate_every=100)) == []  # 1% hate, steady
    alerts = eng.observe_many(_traffic(rec, 2000, 1000, hate_every=10))  # 10% hate
    assert alerts and {(a.subject, a.category) for a in alerts} == {("global:hate", "hate")}
    assert alerts[0].details["recent"] > 2 * alerts[0].details["reference"]
