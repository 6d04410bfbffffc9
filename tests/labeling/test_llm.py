"""The LLM labeler against a real loopback chat-completions server, through the real openai SDK."""

from __future__ import annotations

import pytest
from tests.labeling.conftest import make_policy

from flagstone.labeling.cache import LabelCache
from flagstone.labeling.llm import LLMConfig, LLMLabeler
from flagstone.text.normalize import text_key


def _labeler(stub, policy, sleeps=None, cache=None, **kw):
    cfg = LLMConfig(model="stub-model", base_url=stub.base_url, timeout_s=kw.pop("timeout_s", 5.0),
                    backoff_base_s=0.01, **kw)
    return LLMLabeler(cfg, policy, cache=cache,
                      sleep=(sleeps.append if sleeps is not None else lambda s: None))


def test_labels_are_stored_with_model_as_annotator_policy_version_and_tokens(stub, policy):
    out = _labeler(stub, policy).label(["you idiot", "what a lovely day"])
    assert [o.ok for o in out] == [True, True]
    assert out[0].positives() == ["harassment"] and out[1].positives() == []
    assert out[0].annotator == "llm:stub-model"
    assert out[0].policy_version == policy.content_hash()
    assert out[0].text_key == text_key("you idiot")
    assert out[0].prompt_tokens > 0 and out[0].completion_tokens > 0
    req = stub.requests[0]
    assert req["model"] == "stub-model" and req["response_format"] == {"type": "json_object"}


def test_malformed_reply_is_retried_then_labelled(stub, policy):
    stub._script = {"punch": ["malformed", "incomplete"]}
    [out] = _labeler(stub, policy).label(["I will punch you"])
    assert out.ok and out.attempts == 3 and out.positives() == ["violence"]


def test_always_malformed_reply_is_a_recorded_failure_never_a_label(stub, policy):
    stub._script = {"broken": ["malformed"] * 10}
    [out] = _labeler(stub, policy, max_attempts=3).label(["broken text"])
    assert not out.ok and out.decisions == {}
    assert out.attempts == 3 and "malformed reply" in out.error and "gave up after 3" in out.error


def test_429_waits_for_retry_after_and_5xx_backs_off_exponentially(stub, policy):
    stub.retry_after = 0.25
    stub._script = {"busy": ["rate_limit", "error", "error"]}
    sleeps: list[float] = []
    [out] = _labeler(stub, policy, sleeps=sleeps).label(["busy day"])
    assert out.ok and out.attempts == 4
    assert sleeps == [0.25, 0.02, 0.04]  # Retry-After honoured, then base * 2**(attempt-1)
    assert [r["behaviour"] for r in stub.requests] == ["rate_limit", "error", "error", "ok"]


def test_slow_server_times_out_and_is_retried(stub, policy):
    stub.delay_s = 1.5
    stub._script = {"slow": ["slow"]}
    [out] = _labeler(stub, policy, timeout_s=0.3).label(["slow reply"])
    assert out.ok and out.attempts == 2


def test_persistent_timeouts_become_a_failure(stub, policy):
    stub.delay_s = 1.0
    stub._script = {"slow": ["slow", "slow"]}
    [out] = _labeler(stub, policy, timeout_s=0.2, max_attempts=2).label(["slow reply"])
    assert not out.ok and "timed out" in out.error


def test_client_error_is_not_retried(policy):
    from flagstone.labeling.stub_server import StubChatServer

    with StubChatServer() as s:
        cfg = LLMConfig(model="m", base_url=s.base_url + "/wrong", timeout_s=2.0)
        [out] = LLMLabeler(cfg, policy, sleep=lambda s: None).label(["x"])
    assert not out.ok and out.attempts == 1 and "refused the request (404)" in out.error


def test_unreachable_server_is_a_failure_not_a_crash(policy):
    cfg = LLMConfig(model="m", base_url="http://127.0.0.1:9/v1", timeout_s=1.0, max_attempts=2)
    [out] = LLMLabeler(cfg, policy, sleep=lambda s: None).label(["x"])
    assert not out.ok and "connection failed" in out.error


def test_concurrency_limit_is_respected(stub, policy):
    stub.delay_s = 0.2
    stub._default = ["slow"] * 8
    out = _labeler(stub, policy, concurrency=2).label([f"text {i}" for i in range(8)])
    assert all(o.ok for o in out)
    assert stub.max_in_flight == 2


def test_cache_hits_skip_the_server_and_keys_change_with_policy(stub, policy, tmp_path):
    cache = LabelCache(tmp_path / "cache.sqlite")
    first = _labeler(stub, policy, cache=cache).label(["you idiot"])[0]
    again = _labeler(stub, policy, cache=cache).label(["you idiot"])[0]
    assert len(stub.requests) == 1 and again.cached and again.decisions == first.decisions
    _labeler(stub, make_policy("test-2"), cache=cache).label(["you idiot"])
    assert len(stub.requests) == 2  # another policy version is another key


def test_failures_are_not_cached(stub, policy):
    cache = LabelCache()
    stub._script = {"broken": ["malformed", "malformed"]}
    lab = _labeler(stub, policy, cache=cache, max_attempts=2)
    assert not lab.label(["broken"])[0].ok
    assert len(cache) == 0
    assert lab.label(["broken"])[0].ok  # the next run tries again


def test_bad_config_is_rejected():
    with pytest.raises(ValueError):
        LLMConfig(model="m", base_url="http://x", concurrency=0)
