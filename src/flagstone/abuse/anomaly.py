"""Anomalies: per-account baselines of flagged rate per category, and drift of the global mix.

Both are rule kinds (same YAML file, same stream and batch evaluation as the rules):

* ``account_anomaly``  each account's flagged rate per category in fixed time buckets is tracked by an
  exponentially weighted mean and variance; the current bucket's rate is scored as a z-score against
  them (variance floored so a spotless history does not make one flag infinitely surprising).
* ``mix_drift``        the platform's category mix over the recent window is compared with a slowly
  decaying reference; a category whose share rises significantly (binomial z-score) raises an alert,
  with the Jensen-Shannon divergence of the whole mix in the details.

The maths lives in the pure functions :func:`ewma_update`, :func:`zscore` and :func:`js_divergence`.
"""

from __future__ import annotations

import math
from collections import deque
from typing import ClassVar

import numpy as np
from pydantic import Field

from flagstone.abuse.base import Alert, RequestRecord
from flagstone.abuse.rules import Rule, RuleConfig, register_rule_kind
from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX


def ewma_update(mean: float, var: float, x: float, alpha: float) -> tuple[float, float]:
    """One step of the exponentially weighted mean and variance (West's update)."""
    diff = x - mean
    incr = alpha * diff
    return mean + incr, (1 - alpha) * (var + diff * incr)


def zscore(x: float, mean: float, var: float, var_floor: float) -> float:
    return (x - mean) / math.sqrt(var + var_floor)


def js_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence (base 2, within [0, 1]) of two non-negative count vectors."""
    p = np.asarray(p, dtype=float) + 1e-12
    q = np.asarray(q, dtype=float) + 1e-12
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2
    return float(0.5 * np.sum(p * np.log2(p / m)) + 0.5 * np.sum(q * np.log2(q / m)))


class AccountAnomalyConfig(RuleConfig):
    bucket: float = Field(default=60.0, gt=0)
    alpha: float = Field(default=0.1, gt=0, lt=1)
    z_threshold: float = Field(default=4.0, gt=0)
    var_floor: float = Field(default=0.0025, gt=0)  # (5 percentage points)^2
    min_requests: int = Field(default=10, ge=1)  # in the current bucket
    min_flagged: int = Field(default=3, ge=1)
    min_buckets: int = Field(default=3, ge=1)  # history needed before scoring


class _Account:
    __slots__ = ("bucket", "n", "f", "mean", "var", "buckets")

    def __init__(self) -> None:
        self.bucket = -1
        self.n = 0
        self.f = np.zeros(len(CATEGORIES))
        self.mean = np.zeros(len(CATEGORIES))
        self.var = np.zeros(len(CATEGORIES))
        self.buckets = 0


@register_rule_kind
class AccountAnomaly(Rule):
    kind = "account_anomaly"
    Config: ClassVar = AccountAnomalyConfig

    def __init__(self, config: AccountAnomalyConfig) -> None:
        super().__init__(config)
        self.cfg = config
        # After 50 empty buckets (the most _close replays) a baseline is back near zero: forget it.
        self._acc = self.table(_Account, ttl=config.bucket * 100)

    def _close(self, st: _Account, upto: int) -> None:
        # Close the finished bucket, then any empty buckets between it and now (rate 0).
        empties = min(upto - st.bucket - 1, 50) if st.bucket >= 0 else 0
        for rates in ([st.f / st.n] if st.n else []) + [np.zeros(len(CATEGORIES))] * max(0, empties):
            st.mean, st.var = ewma_update(st.mean, st.var, rates, self.cfg.alpha)
            st.buckets += 1
        st.bucket, st.n, st.f = upto, 0, np.zeros(len(CATEGORIES))

    def observe(self, rec: RequestRecord) -> list[Alert]:
        c = self.cfg
        if rec.refused:  # no scores: a refusal says nothing about the account's category mix
            return []
        st = self._acc.touch(rec.account, rec.ts)
        b = int(rec.ts // c.bucket)
        if b != st.bucket:
            self._close(st, b)
        st.n += 1
        for cat in rec.flags:
            st.f[CATEGORY_INDEX[cat]] += 1
        if st.n < c.min_requests or st.buckets < c.min_buckets:
            return []
        out: list[Alert] = []
        for j in np.flatnonzero(st.f >= c.min_flagged):
            rate = st.f[j] / st.n
            z = zscore(rate, st.mean[j], st.var[j], c.var_floor)
            if z >= c.z_threshold:
                cat = CATEGORIES[j]
                out += self._fire(f"account:{rec.account}", rec.ts,
                                  f"{cat} flagged rate {rate:.1%} is {z:.1f} sd above the account's "
                                  f"baseline {st.mean[j]:.1%}", accounts=(rec.account,), category=cat,
                                  request_ids=(rec.request_id,),
                                  details={"rate": rate, "baseline": float(st.mean[j]), "z": z})
        return out


class MixDriftConfig(RuleConfig):
    window: float = Field(default=300.0, gt=0)
    half_life: float = Field(default=3600.0, gt=0)
    z_threshold: float = Field(default=5.0, gt=0)
    ratio: float = Field(default=2.0, gt=1)  # recent share at least this times the reference share
    prior: float = Field(default=0.001, gt=0, lt=1)  # smallest reference share considered
    min_requests: int = Field(default=200, ge=1)
    min_count: int = Field(default=10, ge=1)  # flags of the category in the recent window
    min_reference: int = Field(default=1000, ge=1)
    every: float = Field(default=10.0, gt=0)  # evaluate at most this often (seconds)


@register_rule_kind
class MixDrift(Rule):
    kind = "mix_drift"
    Config: ClassVar = MixDriftConfig

    def __init__(self, config: MixDriftConfig) -> None:
        super().__init__(config)
        self.cfg = config
        self._win: deque = deque()
        self._recent = np.zeros(len(CATEGORIES))
        self._ref = np.zeros(len(CATEGORIES))
        self._ref_n = 0.0
        self._ref_ts: float | None = None
        self._last_eval = -math.inf

    def _to_reference(self, ts: float, flags: tuple[str, ...]) -> None:
        if self._ref_ts is not None:
            decay = 0.5 ** (max(0.0, ts - self._ref_ts) / self.cfg.half_life)
            self._ref *= decay
            self._ref_n *= decay
        self._ref_ts = ts
        self._ref_n += 1
        for cat in flags:
            self._ref[CATEGORY_INDEX[cat]] += 1

    def observe(self, rec: RequestRecord) -> list[Alert]:
        c = self.cfg
        if rec.refused:
            return []
        self._win.append((rec.ts, rec.flags))
        for cat in rec.flags:
            self._recent[CATEGORY_INDEX[cat]] += 1
        while self._win and (self._win[0][0] <= rec.ts - c.window or len(self._win) > c.max_window_items):
            ts, flags = self._win.popleft()
            for cat in flags:
                self._recent[CATEGORY_INDEX[cat]] -= 1
            self._to_reference(ts, flags)
        n = len(self._win)
        if rec.ts - self._last_eval < c.every or n < c.min_requests or self._ref_n < c.min_reference:
            return []
        self._last_eval = rec.ts
        p_ref = np.maximum(self._ref / self._ref_n, c.prior)
        p_rec = self._recent / n
        z = (p_rec - p_ref) / np.sqrt(p_ref * (1 - p_ref) / n)
        jsd = js_divergence(self._recent, self._ref)
        out: list[Alert] = []
        rising = (z >= c.z_threshold) & (p_rec >= c.ratio * p_ref) & (self._recent >= c.min_count)
        for j in np.flatnonzero(rising):
            cat = CATEGORIES[j]
            out += self._fire(f"global:{cat}", rec.ts, f"{cat} share rose to {p_rec[j]:.2%} of requests "
                              f"from {p_ref[j]:.2%} (z={z[j]:.1f})", category=cat,
                              details={"recent": float(p_rec[j]), "reference": float(p_ref[j]),
                                       "z": float(z[j]), "js_divergence": jsd})
        return out
