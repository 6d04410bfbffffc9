"""The detection monitor: a request-log sink that runs the rules and files alerts as incidents.

It also keeps the recent candidate texts (flagged or near-threshold) in memory, whatever the content
storage setting, so novel-abuse clusters can be listed without storing content on disk.
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
                 keep_alerts: int = 10_000, keep_texts: int = 20_000,
                 embed: Embed = hashed_ngram_embedding) -> None:
        self.engine = RuleEngine(rules)
        self.incidents = incidents
        self.alerts: deque[Alert] = deque(maxlen=keep_alerts)
        self._texts: deque[RequestRecord] = deque(maxlen=keep_texts)
        self._clusters: list[Cluster] = []
        self._embed = embed
        self._lock = threading.Lock()

    def __call__(self, records: Sequence[RequestRecord]) -> list[Alert]:
        with self._lock:
            alerts = self.engine.observe_many(records)
            self._texts.extend(candidates(records))
            self.alerts.extend(alerts)
        if alerts and self.incidents is not None:
            self.incidents.raise_alerts(alerts)
        for a in alerts:
            log.info("alert %s %s: %s", a.rule, a.subject, a.message)
        return alerts

    def clusters(self, *, start: float, end: float, **kw: object) -> list[Cluster]:
        """Cluster recent candidate texts; clusters unseen in the previous call are marked new."""
        with self._lock:
            recs = list(self._texts)
            previous = list(self._clusters)
        found = discover_clusters(recs, start=start, end=end, embed=self._embed, previous=previous, **kw)  # type: ignore[arg-type]
        with self._lock:
            self._clusters = found or self._clusters
        return found
