"""The built-in rule kinds, each registered once.

* ``flag_count``     at least ``threshold`` flags of ``category`` per account/key within the window
* ``baseline_rate``  flagged rate in the window at least ``factor`` times the subject's own history
* ``burst``          at least ``threshold`` requests per account/key within the window
* ``coordinated``    at least ``min_accounts`` accounts sent near-duplicate flagged texts
* ``probing``        one account/key sent ``min_variants`` near-variants of a text, at least
                     ``min_flagged`` flagged and ``min_unflagged`` not: someone searching for the threshold
* ``refusals``       at least ``threshold`` refused requests (401, 403, 429, other 4xx; ``statuses`` to
                     narrow) per account/key within the window: a revoked, blocked or throttled key that
                     keeps calling. Refusals have no content: of the other kinds only ``burst`` counts them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from itertools import islice
from typing import ClassVar

from pydantic import Field, field_validator

from flagstone.abuse.base import Alert, RequestRecord
from flagstone.abuse.rules import GroupedConfig, Rule, RuleConfig, check_category, register_rule_kind
from flagstone.abuse.similarity import WindowIndex


def subject_of(rec: RequestRecord, group_by: str) -> str:
    return f"account:{rec.account}" if group_by == "account" else f"key:{rec.key_id}"


def hit(rec: RequestRecord, category: str | None) -> bool:
    return rec.flagged if category in (None, "any") else category in rec.flags


def _trim(q: deque, now: float, window: float) -> None:
    while q and q[0][0] <= now - window:
        q.popleft()


def _counter(threshold: int, cfg: RuleConfig) -> Callable[[], deque]:
    """Deques for "at least ``threshold`` within the window": holding more than ``threshold`` entries
    changes no decision, so they keep the newest ``max(threshold, 100)`` (fewer if configured)."""
    size = max(threshold, min(100, cfg.max_window_items))
    return lambda: deque(maxlen=size)


class FlagCountConfig(GroupedConfig):
    category: str = "any"
    threshold: int = Field(default=1, ge=1)
    _cat = field_validator("category")(classmethod(lambda cls, v: check_category(v)))


@register_rule_kind
class FlagCount(Rule):
    kind = "flag_count"
    Config: ClassVar = FlagCountConfig

    def __init__(self, config: FlagCountConfig) -> None:
        super().__init__(config)
        self.cfg = config
        self._hits = self.table(_counter(config.threshold, config), ttl=config.window)

    def observe(self, rec: RequestRecord) -> list[Alert]:
        if not hit(rec, self.cfg.category):
            return []
        subject = subject_of(rec, self.cfg.group_by)
        q = self._hits.touch(subject, rec.ts)
        q.append((rec.ts, rec.request_id))
        _trim(q, rec.ts, self.cfg.window)
        if len(q) < self.cfg.threshold:
            return []
        return self._fire(subject, rec.ts, f"{len(q)} {self.cfg.category} flag(s) within {self.cfg.window:g}s",
                          accounts=(rec.account,), request_ids=tuple(r for _, r in q),
                          category=None if self.cfg.category == "any" else self.cfg.category,
                          details={"count": len(q)})


class _History:
    """Counts of a subject's records that left the window, decayed with a half-life."""

    __slots__ = ("n", "f", "ts", "first")

    def __init__(self) -> None:
        self.n = self.f = 0.0
        self.ts = self.first = None  # type: ignore[assignment]

    def add(self, ts: float, flagged: bool, half_life: float) -> None:
        if self.ts is not None:
            decay = 0.5 ** (max(0.0, ts - self.ts) / half_life)
            self.n *= decay
            self.f *= decay
        else:
            self.first = ts
        self.ts = ts
        self.n += 1.0
        self.f += 1.0 if flagged else 0.0


class BaselineRateConfig(GroupedConfig):
    category: str = "any"
    factor: float = Field(default=5.0, gt=1)
    floor: float = Field(default=0.02, gt=0, le=1)  # baseline used when history is short or clean
    min_requests: int = Field(default=20, ge=1)
    min_flagged: int = Field(default=5, ge=1)
    min_history: int = Field(default=20, ge=0)
    half_life: float = Field(default=86_400.0, gt=0)
    _cat = field_validator("category")(classmethod(lambda cls, v: check_category(v)))


@register_rule_kind
class BaselineRate(Rule):
    kind = "baseline_rate"
    Config: ClassVar = BaselineRateConfig

    def __init__(self, config: BaselineRateConfig) -> None:
        super().__init__(config)
        self.cfg = config
        # Per subject: [window of (ts, flagged, request id), flagged count in it, decayed history].
        # Idle for ten half-lives, a history has decayed to 0.1%: the subject is forgotten.
        self._state = self.table(lambda: [deque(), 0, _History()], ttl=config.window + 10 * config.half_life)
        # A busy subject's rate is taken over its newest records (per_subject) rather than the whole window.
        self._per_subject = min(2000, config.max_window_items)

    def observe(self, rec: RequestRecord) -> list[Alert]:
        c = self.cfg
        if rec.refused:
            return []
        subject = subject_of(rec, c.group_by)
        st = self._state.touch(subject, rec.ts)
        q, hist = st[0], st[2]
        flagged = hit(rec, c.category)
        q.append((rec.ts, flagged, rec.request_id))
        st[1] += flagged
        while q and (q[0][0] <= rec.ts - c.window or len(q) > self._per_subject):
            ts, f, _ = q.popleft()
            st[1] -= f
            hist.add(ts, f, c.half_life)
        n, f = len(q), st[1]
        if n < c.min_requests or f < c.min_flagged:
            return []
        baseline = max(c.floor, hist.f / hist.n if hist.n >= max(1, c.min_history) else c.floor)
        rate = f / n
        if rate < c.factor * baseline or self._quiet(subject, rec.ts):
            return []
        return self._fire(subject, rec.ts, f"flagged rate {rate:.1%} over {n} requests is "
                          f"{rate / baseline:.1f}x the baseline {baseline:.1%}",
                          accounts=(rec.account,), request_ids=tuple(r for _, fl, r in q if fl),
                          category=None if c.category == "any" else c.category,
                          details={"rate": rate, "baseline": baseline, "requests": n})


class BurstConfig(GroupedConfig):
    threshold: int = Field(default=100, ge=1)


@register_rule_kind
class Burst(Rule):
    kind = "burst"
    Config: ClassVar = BurstConfig

    def __init__(self, config: BurstConfig) -> None:
        super().__init__(config)
        self.cfg = config
        self._win = self.table(_counter(config.threshold, config), ttl=config.window)

    def observe(self, rec: RequestRecord) -> list[Alert]:
        subject = subject_of(rec, self.cfg.group_by)
        q = self._win.touch(subject, rec.ts)
        q.append((rec.ts, rec.request_id))
        _trim(q, rec.ts, self.cfg.window)
        if len(q) < self.cfg.threshold or self._quiet(subject, rec.ts):
            return []
        last = tuple(r for _, r in islice(reversed(q), 20))[::-1]
        return self._fire(subject, rec.ts, f"{len(q)} requests within {self.cfg.window:g}s",
                          accounts=(rec.account,), request_ids=last,
                          details={"count": len(q)})


class CoordinatedConfig(RuleConfig):
    category: str = "any"
    min_accounts: int = Field(default=5, ge=2)
    similarity: float = Field(default=0.6, gt=0, le=1)
    _cat = field_validator("category")(classmethod(lambda cls, v: check_category(v)))


@register_rule_kind
class Coordinated(Rule):
    """Many accounts, near-duplicate flagged text. The campaign id is the first text's hash."""

    kind = "coordinated"
    Config: ClassVar = CoordinatedConfig

    def __init__(self, config: CoordinatedConfig) -> None:
        super().__init__(config)
        self.cfg = config
        self._index = WindowIndex(config.window, max_items=config.max_window_items)

    def observe(self, rec: RequestRecord) -> list[Alert]:
        if not hit(rec, self.cfg.category) or not rec.signature:
            return []
        matches = self._index.query(rec.signature, rec.ts, self.cfg.similarity, limit=500)
        campaign = min(matches)[1][0] if matches else rec.input_hash[:12]
        self._index.add(rec.signature, rec.ts, (campaign, rec.account, rec.request_id))
        accounts = sorted({p[1] for _, p in matches} | {rec.account})
        if len(accounts) < self.cfg.min_accounts:
            return []
        rids = tuple(p[2] for _, p in matches[-50:]) + (rec.request_id,)
        return self._fire(f"campaign:{campaign}", rec.ts,
                          f"{len(accounts)} accounts sent near-duplicate flagged text within "
                          f"{self.cfg.window:g}s", accounts=tuple(accounts), request_ids=rids,
                          details={"accounts": len(accounts), "texts": len(matches) + 1})


class ProbingConfig(GroupedConfig):
    min_variants: int = Field(default=8, ge=2)
    similarity: float = Field(default=0.5, gt=0, le=1)
    min_flagged: int = Field(default=2, ge=1)
    min_unflagged: int = Field(default=2, ge=0)  # variants below the threshold too (0: not required)


@register_rule_kind
class Probing(Rule):
    kind = "probing"
    Config: ClassVar = ProbingConfig

    def __init__(self, config: ProbingConfig) -> None:
        super().__init__(config)
        self.cfg = config
        # A query examines at most 256 candidates, newest first: older entries would hardly be read.
        per_subject = max(4 * config.min_variants, min(256, config.max_window_items))
        self._index = self.table(lambda: WindowIndex(config.window, max_items=per_subject), ttl=config.window)

    def observe(self, rec: RequestRecord) -> list[Alert]:
        if not rec.signature:
            return []
        subject = subject_of(rec, self.cfg.group_by)
        index = self._index.touch(subject, rec.ts)
        matches = index.query(rec.signature, rec.ts, self.cfg.similarity, limit=4 * self.cfg.min_variants)
        index.add(rec.signature, rec.ts, (rec.input_hash, rec.flagged, rec.request_id))
        family = {p[0]: p for _, p in matches}
        family[rec.input_hash] = (rec.input_hash, rec.flagged, rec.request_id)
        n_flagged = sum(1 for p in family.values() if p[1])
        c = self.cfg
        if len(family) < c.min_variants or n_flagged < c.min_flagged or len(family) - n_flagged < c.min_unflagged:
            return []
        return self._fire(subject, rec.ts, f"{len(family)} near-variants of one text "
                          f"({n_flagged} flagged) within {self.cfg.window:g}s",
                          accounts=(rec.account,), request_ids=tuple(p[2] for p in family.values()),
                          details={"variants": len(family), "flagged": n_flagged})


class RefusalsConfig(GroupedConfig):
    threshold: int = Field(default=50, ge=1)
    statuses: list[int] = Field(default_factory=list)  # empty: every refusal


@register_rule_kind
class Refusals(Rule):
    kind = "refusals"
    Config: ClassVar = RefusalsConfig

    def __init__(self, config: RefusalsConfig) -> None:
        super().__init__(config)
        self.cfg = config
        self._win = self.table(_counter(config.threshold, config), ttl=config.window)

    def observe(self, rec: RequestRecord) -> list[Alert]:
        if not rec.refused or (self.cfg.statuses and rec.status not in self.cfg.statuses):
            return []
        subject = subject_of(rec, self.cfg.group_by)
        q = self._win.touch(subject, rec.ts)
        q.append((rec.ts, rec.request_id, rec.status))
        _trim(q, rec.ts, self.cfg.window)
        if len(q) < self.cfg.threshold or self._quiet(subject, rec.ts):
            return []
        statuses: dict[str, int] = {}
        for _, _, st in q:
            statuses[str(st)] = statuses.get(str(st), 0) + 1
        return self._fire(subject, rec.ts, f"{len(q)} refused requests within {self.cfg.window:g}s "
                          f"({', '.join(f'{k}: {v}' for k, v in sorted(statuses.items()))})",
                          accounts=(rec.account,), request_ids=tuple(r for _, r, _ in q),
                          details={"count": len(q), "statuses": statuses})
