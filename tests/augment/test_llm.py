"""LLM generation against the loopback stub server (real HTTP, real openai SDK)."""

from __future__ import annotations

import random

import pytest

from flagstone.augment.llm import LLMGenerator, implied_labels, parse_examples
from flagstone.augment.qc import check_items
from flagstone.augment.stub import GenerationStub
from flagstone.errors import ConfigError, ModelError
from flagstone.labeling.llm import LLMConfig
from flagstone.policy import load_default_policy


@pytest.fixture(scope="module")
def policy():
    return load_default_policy()


def _gen(server, policy, **kw) -> LLMGenerator:
    return LLMGenerator(LLMConfig(model="stub-model", base_url=server.base_url, backoff_base_s=0.0, timeout_s=5),
                        policy, sleep=lambda s: None, **kw)


def test_generates_tagged_items_from_the_policy(policy) -> None:
    with GenerationStub() as server:
        gen = _gen(server, policy, per_request=3)
        items = gen.generate(["violence/graphic"], 10, random.Random(0))
        gen.close()
    assert len(items) == 10
    pos = [i for i in items if i.meta["kind"] == "positive"]
    neg = [i for i in items if i.meta["kind"] == "negative"]
    assert len(pos) == 7 and len(neg) == 3
    assert all(i.labels == {"violence/graphic": 1, "violence": 1} for i in pos)
    assert all(i.labels == {"violence/graphic": 0} for i in neg)
    assert all(i.origin == "llm:stub-model" and i.meta["policy_hash"] == policy.content_hash() for i in items)
    # The prompt carried the definition, the behaviour and the policy's examples as few shots.
    prompt = server.requests[0]["messages"][1]["content"]
    assert policy.categories["violence/graphic"].definition in prompt
    assert policy.categories["violence/graphic"].positive_examples[0] in prompt
    assert gen.stats.requests == 4 and gen.stats.prompt_tokens > 0


def test_never_asks_for_sexual_minors_positives(policy) -> None:
    with GenerationStub() as server:
        gen = _gen(server, policy)
        items = gen.generate(["sexual/minors"], 5, random.Random(0))
        gen.close()
    assert items and all(i.labels == {"sexual/minors": 0} for i in items)
    assert all("hard negatives" in r["messages"][1]["content"] for r in server.requests)


def test_retries_malformed_rate_limited_and_server_errors(policy) -> None:
    with GenerationStub(default_script=["malformed", "rate_limit", "error", "fenced"]) as server:
        gen = _gen(server, policy, per_request=5, negative_share=0)
        items = gen.generate(["hate/threatening"], 5, random.Random(1))
        gen.close()
    assert len(items) == 5 and gen.stats.failures == []
    assert [r["behaviour"] for r in server.requests] == ["malformed", "rate_limit", "error", "fenced"]


def test_gives_up_after_max_attempts_and_loses_nothing_else(policy) -> None:
    with GenerationStub(default_script=["error"] * 4) as server:
        gen = _gen(server, policy, per_request=5, negative_share=0)
        items = gen.generate(["hate/threatening"], 10, random.Random(1))
        gen.close()
    assert len(gen.stats.failures) == 1 and "500" in gen.stats.failures[0]
    assert len(items) == 5  # the second request succeeded


def test_bad_arguments(policy) -> None:
    with pytest.raises(ConfigError, match="unknown categories"):
        LLMGenerator(LLMConfig(model="m", base_url="http://127.0.0.1:9/v1"), policy).generate(
            ["spam"], 1, random.Random(0))
    with pytest.raises(ConfigError, match="per_request"):
        LLMGenerator(LLMConfig(model="m", base_url="http://127.0.0.1:9/v1"), policy, per_request=0)


def test_parse_examples_and_labels() -> None:
    assert parse_examples('```json\n{"examples": ["a", " ", "b "]}\n```') == ["a", "b"]
    for bad in ("not json", '{"examples": "a"}', '{"other": []}', None, '{"examples": [1]}'):
        with pytest.raises(ModelError, match="malformed reply"):
            parse_examples(bad)
    assert implied_labels("self-harm/instructions", True) == {"self-harm/instructions": 1, "self-harm": 1}
    assert implied_labels("violence", True) == {"violence": 1}
    assert implied_labels("violence/graphic", False) == {"violence/graphic": 0}


def test_generated_items_pass_qc_and_refusals_do_not(policy) -> None:
    with GenerationStub() as server:
        gen = _gen(server, policy)
        items = gen.generate(["harassment/threatening"], 5, random.Random(0))
        gen.close()
    res = check_items(items, policy_examples=[e for cp in policy.categories.values() for e in cp.positive_examples])
    assert len(res.kept) == 5
