"""Contract checks run over every registered rule kind, the moment it is registered."""

from __future__ import annotations

import pytest

from flagstone.abuse.base import Alert
from flagstone.abuse.rules import RuleEngine, available_kinds, evaluate_log, parse_rules
from flagstone.errors import ConfigError

from .conftest import make_record


def _traffic():
    recs = [make_record(i * 0.5, f"u{i % 3}", text=f"same hateful slogan about them all {i % 4}",
                        flags=("hate",) if i % 2 else ()) for i in range(600)]
    return recs


@pytest.mark.parametrize("kind", available_kinds())
def test_every_kind_works_with_defaults_and_refuses_unknown_fields(kind):
    (rule,) = parse_rules({"rules": [{"name": f"r-{kind}", "kind": kind}]})
    assert rule.kind == kind and rule.config.window > 0
    with pytest.raises(ConfigError, match="bogus"):
        parse_rules({"rules": [{"name": "x", "kind": kind, "bogus": 1}]})


@pytest.mark.parametrize("kind", available_kinds())
def test_every_kind_gives_well_formed_alerts_identically_on_stream_and_batch(kind):
    spec = {"rules": [{"name": f"r-{kind}", "kind": kind}]}
    stream = RuleEngine(parse_rules(spec)).observe_many(_traffic())
    batch = evaluate_log(parse_rules(spec), reversed(_traffic()))
    assert [(a.rule, a.subject, a.ts, a.message) for a in stream] == [(a.rule, a.subject, a.ts, a.message) for a in batch]
    for a in stream:
        assert isinstance(a, Alert) and a.rule == f"r-{kind}" and a.kind == kind
        assert a.severity in ("low", "medium", "high", "critical") and a.message
        assert a.subject.split(":")[0] in ("account", "key", "campaign", "global")


def test_a_rule_kind_without_a_rule_config_is_refused_when_it_registers():
    from flagstone.abuse.rules import Rule, register_rule_kind

    class NoConfig(Rule):
        kind = "no-config"
        Config = dict  # type: ignore[assignment]

    with pytest.raises(TypeError, match="'no-config' must be a Rule subclass with a RuleConfig subclass"):
        register_rule_kind(NoConfig)
    assert "no-config" not in available_kinds()
