"""The abuse capability's detection rules, evaluated in batch over an exported request log.

The rule file and the rule engine are :mod:`flagstone.abuse.rules` unchanged (same YAML as the
streaming path). Records are fed in ``(ts, request_id)`` order, as
:func:`flagstone.abuse.rules.evaluate_log` does. Rules grouped by account or key keep state per
subject only, so on Spark they run per account in parallel (one shuffle by ``account_id``); the
others (cross-account kinds) see the whole log in one ordered stream.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa

from flagstone.abuse.base import Alert
from flagstone.abuse.rules import Rule, RuleEngine, parse_rules, read_rule_file
from flagstone.scale.logfile import batch_to_records

ALERT_SCHEMA = pa.schema([
    pa.field("rule", pa.string()), pa.field("kind", pa.string()), pa.field("ts", pa.float64()),
    pa.field("subject", pa.string()), pa.field("severity", pa.string()), pa.field("message", pa.string()),
    pa.field("category", pa.string()), pa.field("accounts", pa.list_(pa.string())),
    pa.field("request_ids", pa.list_(pa.string())),
])


def per_subject(rule: Rule) -> bool:
    """True when the rule's state is keyed by account or key (its config has ``group_by``)."""
    return hasattr(rule.config, "group_by")


def split_rules(rule_doc: Any, source: str) -> tuple[list[Rule], list[Rule]]:
    rules = parse_rules(rule_doc, source=source)
    return [r for r in rules if per_subject(r)], [r for r in rules if not per_subject(r)]


def alerts_to_rows(alerts: Iterable[Alert]) -> list[dict]:
    return [{"rule": a.rule, "kind": a.kind, "ts": a.ts, "subject": a.subject, "severity": a.severity,
             "message": a.message, "category": a.category, "accounts": list(a.accounts),
             "request_ids": list(a.request_ids)} for a in alerts]


def evaluate_batches(rules: list[Rule], batches: Iterable[pa.RecordBatch]) -> list[dict]:
    """Feed batches already sorted by ``(ts, request_id)`` through one engine; return alert rows."""
    engine = RuleEngine(rules)
    out: list[Alert] = []
    for batch in batches:
        out.extend(engine.observe_many(batch_to_records(batch)))
    return alerts_to_rows(out)


def evaluate_group(rule_doc: Any, source: str, table: pa.Table, *, grouped: bool) -> pa.Table:
    """Spark ``applyInArrow`` body: one account's rows (or the whole log), fresh rules, alert rows."""
    per, glob = split_rules(rule_doc, source)
    table = table.sort_by([("ts", "ascending"), ("request_id", "ascending")]) \
        if "request_id" in table.schema.names else table.sort_by([("ts", "ascending")])
    rows = evaluate_batches(per if grouped else glob, table.to_batches())
    return pa.Table.from_pylist(rows, schema=ALERT_SCHEMA)


def sort_rows(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["ts"], r["rule"], r["subject"]))


def load_rule_doc(path: str | Path) -> Any:
    """The parsed rule file, validated by the abuse capability (its errors, its messages)."""
    return read_rule_file(path).data
