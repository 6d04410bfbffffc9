"""The prompt carries the policy's words; replies parse strictly, anything else is malformed."""

from __future__ import annotations

import json

import pytest

from flagstone.errors import ModelError
from flagstone.labeling.prompt import build_messages, parse_reply
from flagstone.policy.taxonomy import CATEGORIES


def test_prompt_contains_every_category_definition_includes_excludes_and_examples(policy):
    messages = build_messages(policy, "some text")
    system = messages[0]["content"]
    for name, cat in policy.categories.items():
        assert f"## Category: {name}" in system
        assert cat.definition in system
        assert cat.includes[0] in system and cat.excludes[0] in system
        assert json.dumps(cat.positive_examples[0]) in system
    assert messages[1]["role"] == "user" and "some text" in messages[1]["content"]


def _reply(overrides: dict | None = None) -> str:
    cats = {c: {"decision": c == "hate", "rationale": "because"} for c in CATEGORIES}
    cats.update(overrides or {})
    return json.dumps({"categories": cats})


def test_well_formed_reply_parses_to_one_decision_per_category(policy):
    decisions = parse_reply(_reply(), policy)
    assert list(decisions) == list(CATEGORIES)
    assert [c for c, d in decisions.items() if d.value] == ["hate"]
    assert decisions["hate"].rationale == "because"


def test_code_fenced_reply_is_accepted(policy):
    assert parse_reply("```json\n" + _reply() + "\n```", policy)["hate"].value is True


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "empty reply"),
        ("I think it is fine", "not JSON"),
        ('{"categories": {"hate": {"decision": tru', "not JSON"),
        ("[1, 2]", '"categories" object'),
        (json.dumps({"categories": {"hate": {"decision": True}}}), "missing categories"),
        (_reply({"spam": {"decision": True, "rationale": ""}}), "unknown categories ['spam']"),
        (_reply({"hate": {"decision": "yes", "rationale": ""}}), 'hate: "decision" must be true or false'),
        (_reply({"hate": {"decision": True, "rationale": 3}}), 'hate: "rationale" must be a string'),
    ],
)
def test_malformed_replies_raise_model_error_naming_the_problem(policy, content, reason):
    with pytest.raises(ModelError) as err:
        parse_reply(content, policy)
    assert err.value.code == "malformed_reply"
    assert reason in err.value.message
