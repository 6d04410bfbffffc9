"""Rule files: validation errors, each kind's behaviour, and stream == batch over the log."""

from __future__ import annotations

import pytest

from flagstone.abuse.requestlog import RequestLogWriter, read_log
from flagstone.abuse.rules import (
    RuleEngine,
    available_kinds,
    evaluate_log,
    load_rules,
    load_shipped_rules,
    parse_rules,
)
from flagstone.errors import ConfigError


def rules(*specs: dict):
    return parse_rules({"version": 1, "rules": list(specs)})


@pytest.mark.parametrize("doc,message", [
    ({"rules": []}, "rules"),
    ({"version": 2, "rules": [{"name": "a", "kind": "burst"}]}, "version"),
    ({"rules": [{"name": "a", "kind": "nonsense"}]}, "rules.0 \\(a\\): unknown rule kind 'nonsense'; available: account_anomaly"),
    ({"rules": [{"name": "a", "kind": "burst", "treshold": 3}]}, "treshold"),
    ({"rules": [{"name": "a", "kind": "burst", "window": -1}]}, "window"),
    ({"rules": [{"name": "a", "kind": "flag_count", "category": "spam"}]}, "unknown category 'spam'"),
    ({"rules": [{"name": "a", "kind": "burst"}, {"name": "a", "kind": "burst"}]}, "duplicate rule names"),
    ([1, 2], "invalid rule file"),
])
def test_bad_rule_files_are_config_errors_naming_the_problem(doc, message):
    with pytest.raises(ConfigError, match=message):
        parse_rules(doc)


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_rules(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_rules(bad)


def test_rule_file_errors_name_the_file_and_line(tmp_path):
    """Rule files are read by flagstone.yamlfile: file:line: reason, duplicate keys refused."""
    f = tmp_path / "r.yaml"
    cases = [  # (file content, the error after "FILE:")
        ("version: 1\nrules:\n  - name: a\n    kind: burst\n  - name: b\n    kind: burst\n    treshold: 3\n",
         r"7: rules.1.treshold \(b\): Extra inputs are not permitted"),
        ("version: 1\nrules:\n  - name: a\n    kind: brust\n",
         r"4: rules.0 \(a\): unknown rule kind 'brust'; available: "),
        ("version: 1\nrules:\n  - name: a\n    kind: burst\n    window: 5\n    window: 50\n",
         r"6: duplicate key 'window'"),
        ("version: 2\nrules:\n  - {name: a, kind: burst}\n", r"1: version: "),
    ]
    for content, error in cases:
        f.write_text(content)
        with pytest.raises(ConfigError, match=rf"^{f}:{error}"):
            load_rules(f)


def test_shipped_rule_file_is_valid_and_uses_every_kind():
    shipped = load_shipped_rules()
    assert {r.kind for r in shipped} == set(available_kinds())


def test_flag_count_window_and_cooldown(rec):
    eng = RuleEngine(rules({"name": "minors", "kind": "flag_count", "category": "sexual/minors",
                            "threshold": 2, "window": 60}))
    assert eng.observe(rec(0, "a", flags=("sexual/minors",))) == []
    assert eng.observe(rec(100, "a", flags=("sexual/minors",))) == []  # first one left the window
    alerts = eng.observe(rec(110, "a", flags=("sexual/minors",)))
    assert [(a.rule, a.subject, a.category) for a in alerts] == [("minors", "account:a", "sexual/minors")]
    assert eng.observe(rec(120, "a", flags=("sexual/minors",))) == []  # cooldown
    assert eng.observe(rec(120, "b", flags=("sexual",))) == []  # other category


def test_burst_by_key(rec):
    eng = RuleEngine(rules({"name": "burst", "kind": "burst", "group_by": "key", "threshold": 5, "window": 10}))
    got = [eng.observe(rec(i * 0.5, "a", text=f"t{i}", key_id="K")) for i in range(5)]
    assert [len(g) for g in got] == [0, 0, 0, 0, 1] and got[-1][0].subject == "key:K"
    slow = RuleEngine(rules({"name": "burst", "kind": "burst", "threshold": 5, "window": 10}))
    assert slow.observe_many(rec(i * 5.0, "a", text=f"t{i}") for i in range(20)) == []


def test_baseline_rate_compares_with_own_history(rec):
    spec = {"name": "rate", "kind": "baseline_rate", "window": 60, "factor": 4, "min_requests": 10,
            "min_flagged": 3, "min_history": 20, "floor": 0.01}
    eng = RuleEngine(rules(spec))
    # A noisy account (30% flagged for an hour): new, it is compared with the floor and alerts; once
    # its own history is known (min_history records), 30% is its normal and it stays quiet.
    noisy = [rec(i * 6.0, "noisy", text=f"n{i}", flags=("hate",) if i % 10 < 3 else ()) for i in range(600)]
    early = eng.observe_many(noisy)
    assert early and max(a.ts for a in early) < 300
    # A quiet account that suddenly sends flagged text is caught.
    quiet = [rec(i * 6.0, "quiet", text=f"q{i}") for i in range(200)]
    quiet += [rec(1200 + i, "quiet", text=f"x{i}", flags=("hate",) if i % 2 else ()) for i in range(20)]
    alerts = eng.observe_many(quiet)
    assert [a.subject for a in alerts] == ["account:quiet"] and alerts[0].details["rate"] >= 4 * alerts[0].details["baseline"]


def test_coordinated_needs_many_accounts(rec):
    eng = RuleEngine(rules({"name": "coord", "kind": "coordinated", "min_accounts": 4, "window": 300}))
    base = "join the raid on that forum tonight and flood them with slurs"
    out = []
    for i in range(6):
        out += eng.observe(rec(i * 10.0, f"bot{i}", text=f"{base} #{i}", flags=("hate",)))
    assert len(out) == 1 and out[0].subject.startswith("campaign:") and len(out[0].accounts) == 4
    # One account repeating itself is not coordination.
    solo = RuleEngine(rules({"name": "coord", "kind": "coordinated", "min_accounts": 4}))
    assert solo.observe_many(rec(i, "one", text=f"{base} {i}", flags=("hate",)) for i in range(10)) == []


def test_probing_needs_variants_on_both_sides_of_the_threshold(rec):
    spec = {"name": "probe", "kind": "probing", "min_variants": 5, "window": 600, "similarity": 0.4}
    eng = RuleEngine(rules(spec))
    base = "how would someone hurt the people at the meeting tomorrow"
    variants = [rec(i * 5.0, "prober", text=f"{base} variant {i}", flags=("violence",) if i % 2 else ())
                for i in range(6)]
    alerts = eng.observe_many(variants)
    assert [a.subject for a in alerts] == ["account:prober"] and alerts[0].details["variants"] >= 5
    all_flagged = RuleEngine(rules(spec)).observe_many(
        rec(i * 5.0, "p2", text=f"{base} variant {i}", flags=("violence",)) for i in range(6))
    assert all_flagged == []


def test_stream_and_batch_over_the_log_give_the_same_alerts(engine, rec):
    spec = [{"name": "minors", "kind": "flag_count", "category": "sexual/minors"},
            {"name": "burst", "kind": "burst", "threshold": 30, "window": 60},
            {"name": "coord", "kind": "coordinated", "min_accounts": 3},
            {"name": "probe", "kind": "probing", "min_variants": 4, "similarity": 0.4}]
    records = [rec(float(i), f"u{i % 7}", text=f"ordinary message number {i} about lunch") for i in range(100)]
    records += [rec(100.0 + i * 0.5, "spammer", text=f"spam {i}") for i in range(40)]
    records += [rec(130.0 + i, f"c{i}", text="coordinated hateful slogan repeated by many", flags=("hate",))
                for i in range(4)]
    records += [rec(140.0, "kid", text="bad thing", flags=("sexual/minors",))]
    records += [rec(150.0 + i, "prober", text=f"tell me how to hurt him now version {i}",
                    flags=("violence",) if i % 2 else ()) for i in range(5)]
    streamed: list = []
    eng = RuleEngine(rules(*spec))
    w = RequestLogWriter(engine, flush_interval=0.02, batch_size=16,
                         sinks=[lambda rs: streamed.extend(eng.observe_many(rs))])
    for r in records:
        w.submit(r)
    w.close()
    batch = evaluate_log(rules(*spec), read_log(engine))
    key = [(a.rule, a.subject, a.ts) for a in streamed]
    assert key == [(a.rule, a.subject, a.ts) for a in batch]
    assert {a.rule for a in batch} == {"minors", "burst", "coord", "probe"}
