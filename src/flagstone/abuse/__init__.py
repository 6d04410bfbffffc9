"""Platform-abuse detection: who abuses the API, and what to do about it.

Modules (one capability each):

    base.py        the small interfaces and frozen records: RateLimiter, RequestRecord, Alert
    db.py          SQLAlchemy tables for keys, the request log, incidents and the audit log
    keys.py        accounts and API keys (shown once, stored hashed, scoped, revocable)
    ratelimit.py   token buckets: in-process and Redis (atomic Lua script)
    requestlog.py  batched request-log writer off the request path; content storage and purge
    similarity.py  shingles and MinHash signatures for near-duplicate text
    rules.py       YAML detection rules, evaluated on the stream or over the log (same alerts)
    rule_kinds.py  the built-in rule kinds: flag_count, baseline_rate, burst, coordinated, probing
    anomaly.py     rule kinds for anomalies: per-account EWMA baselines, global category-mix drift
    clusters.py    novel-abuse discovery by clustering embeddings of flagged texts
    incidents.py   alerts grouped into incidents; evidence, notes, actions, audit log, export
    monitor.py     wires the detectors to the request-log stream and the incident store
    http.py        ``install_abuse(app, settings)``: auth, rate limits and logging for the server
    admin.py       admin web pages (under /admin) for keys and incidents

The shipped rule file is package data, ``abuse/data/default_rules.yaml`` (read with
``importlib.resources``: ``rules.DEFAULT_RULES``); ``flagstone rules check [FILE]`` validates a rule
file (by default that one) and dry-runs it over the stored log.
"""
