"""The detection monitor: a request-log sink that runs the rules and files alerts as incidents.

It also keeps the recent candidate texts (flagged or near-threshold) in memory, whatever the content
storage setting, so novel-abuse clusters can be listed without storing content on disk. With
``discover_every`` set, it clusters them every so often (in record time) and raises a ``novel-cluster``
alert for each new cluster, with the cluster attached to the incident as evidence.

What it holds is bounded by size and age: at most ``keep_texts`` candidate records and
``keep_text_chars`` characters of their text, none older than ``discover_window`` (clustering reads
no older ones), and at most ``keep_alerts`` alerts of the last ``keep_alerts_seconds``.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Sequence

from flagstone.abuse.base import Alert, RequestRecord
from flagstone.abuse.clusters import Cluster, Embed, candidates, discover_clusters, hashed_ngram_embedding
from flagstone.abuse.incidents import IncidentStore
from flagstone.abuse.rules import Rule, RuleEngine

log = logging.getLogger(__name__)


class Monitor:
    def __init__(self, rules: list[Rule], incidents: IncidentStore | None = None, *,
                 keep_alerts: int = 10_000, keep_alerts_seconds: float = 86_400.0, keep_texts: int = 4_000,
                 keep_text_chars: int = 8_000_000, embed: Embed = hashed_ngram_embedding,
                 discover_every: float | None = None, discover_window: float = 1800.0,
                 cluster_min_size: int = 8) -> None:
        self.engine = RuleEngine(rules)
        self.incidents = incidents
        self.alerts: deque[Alert] = deque(maxlen=keep_alerts)
        self.keep_alerts_seconds = keep_alerts_seconds
        # Clustering reads the last 2000 candidates of the window (discover_clusters' max_items), so
        # twice that many is plenty; the character budget bounds them when texts are long.
        self._texts: deque[RequestRecord] = deque(maxlen=keep_texts)
        self.keep_text_chars = keep_text_chars
        self._text_chars = 0
        self._clusters: list[Cluster] = []
        self._embed = embed
        self._lock = threading.Lock()
        self.discover_every, self.discover_window = discover_every, discover_window
        self.cluster_min_size = cluster_min_size
        self._last_discovery: float | None = None

    def __call__(self, records: Sequence[RequestRecord]) -> list[Alert]:
        with self._lock:
            alerts = self.engine.observe_many(records)
            self._keep(candidates(records), max((r.ts for r in records), default=None))
            self.alerts.extend(alerts)
        if alerts and self.incidents is not None:
            self.incidents.raise_alerts(alerts)
        if records and self.discover_every is not None:
            now = max(r.ts for r in records)
            if self._last_discovery is None:
                self._last_discovery = now
            elif now - self._last_discovery >= self.discover_every:
                self._last_discovery = now
                alerts += self._discover(now)
        for a in alerts:
            log.info("alert %s %s: %s", a.rule, a.subject, a.message)
        return alerts

    def _keep(self, new: list[RequestRecord], now: float | None) -> None:
        """Add candidate records; drop the oldest past the count, character and age limits."""
        texts = self._texts
        for r in new:
            if len(texts) == texts.maxlen:
                self._text_chars -= len(texts[0].text or "")
            texts.append(r)
            self._text_chars += len(r.text or "")
        if now is None:
            return
        while texts and (self._text_chars > self.keep_text_chars or texts[0].ts < now - self.discover_window):
            self._text_chars -= len(texts.popleft().text or "")
        while self.alerts and self.alerts[0].ts < now - self.keep_alerts_seconds:
            self.alerts.popleft()

    def state_sizes(self) -> dict[str, int]:
        """Entries held in memory: the monitor's buffers and every rule's state (see ``Rule.state_sizes``)."""
        out = {"texts": len(self._texts), "text_chars": self._text_chars, "alerts": len(self.alerts)}
        for rule in self.engine.rules:
            out.update({f"{rule.config.name}.{k}": v for k, v in rule.state_sizes().items()})
        return out

    def _discover(self, now: float) -> list[Alert]:
        found = self.clusters(start=now - self.discover_window, end=now + 1e-6, min_size=self.cluster_min_size)
        out = []
        for c in found:
            if not c.new:
                continue
            mix = ", ".join(f"{k} {v:.0%}" for k, v in c.categories.items()) or "near-threshold"
            with self._lock:
                accounts = tuple(sorted({r.account for r in self._texts if r.input_hash in c.members}))
            alert = Alert(rule="novel-cluster", kind="cluster", ts=now, subject=f"cluster:{c.id}",
                          severity="medium", message=f"new cluster of {c.size} texts from {c.accounts} "
                          f"account(s), growth x{c.growth:.1f}: {mix}", accounts=accounts,
                          category=max(c.categories, key=c.categories.get) if c.categories else None,
                          details=c.to_dict())
            out.append(alert)
            with self._lock:
                self.alerts.append(alert)
            if self.incidents is not None:
                (iid,) = self.incidents.raise_alerts([alert])
                self.incidents.attach_evidence(iid, "cluster", c.to_dict())
        return out

    def clusters(self, *, start: float, end: float, **kw: object) -> list[Cluster]:
        """Cluster recent candidate texts; clusters unseen in the previous call are marked new."""
        with self._lock:
            recs = list(self._texts)
            previous = list(self._clusters)
        found = discover_clusters(recs, start=start, end=end, embed=self._embed, previous=previous, **kw)  # type: ignore[arg-type]
        with self._lock:
            self._clusters = found or self._clusters
        return found
