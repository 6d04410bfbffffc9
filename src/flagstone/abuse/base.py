"""The small interfaces and frozen records shared by the abuse capability.

* :class:`RateLimiter` is the one extension point for rate limiting (in-process or Redis).
* :class:`RequestRecord` is one logged moderation call; detectors read only these.
* :class:`Alert` is what a rule or an anomaly detector raises; incidents group alerts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class RateDecision:
    """Outcome of one rate-limit check; ``retry_after`` is seconds until a token is available."""

    allowed: bool
    remaining: float
    retry_after: float = 0.0


@runtime_checkable
class RateLimiter(Protocol):
    """Token bucket per key: ``capacity`` tokens, refilled at ``rate`` tokens a second."""

    def acquire(self, key: str, cost: float = 1.0) -> RateDecision: ...


@dataclass(frozen=True)
class RequestRecord:
    """One input of one moderation call, as the request log keeps it.

    ``text`` is held only in memory for the detectors; what is stored depends on the content
    storage setting. ``signature`` is a MinHash of the text's shingles, kept so that near-duplicate
    rules work over the log even when no content is stored.
    """

    ts: float  # seconds since the epoch (or simulated seconds)
    account: str
    key_id: str
    input_hash: str
    input_len: int
    scores: dict[str, float]
    flags: tuple[str, ...]  # categories flagged
    model_version: str
    thresholds: dict[str, float] = field(default_factory=dict)
    signature: tuple[int, ...] = ()
    text: str | None = None
    request_id: str = ""
    # A refused request (401, 403, 429, other 4xx) is logged too, without content: status is its HTTP
    # status and refusal "<error code> <path>"; its scores, flags and signature are empty.
    status: int = 200
    refusal: str = ""

    @property
    def refused(self) -> bool:
        return self.status != 200

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


@dataclass(frozen=True)
class Alert:
    """A rule hit or an anomaly. ``subject`` is what it is about: ``account:x``, ``key:k`` or ``global``."""

    rule: str
    kind: str
    ts: float
    subject: str
    severity: str
    message: str
    accounts: tuple[str, ...] = ()
    request_ids: tuple[str, ...] = ()
    category: str | None = None
    details: dict = field(default_factory=dict)
