"""The official ``openai`` SDK as the client, against a live uvicorn server on a loopback port."""

from __future__ import annotations

import openai
import pytest
from openai import OpenAI

from flagstone.serving.deps import OPENAI_ALIASES


@pytest.fixture
def sdk(live_server) -> OpenAI:
    return OpenAI(base_url=f"{live_server.url}/v1", api_key="test", max_retries=0, timeout=10)


def _raw(sdk: OpenAI, check_response, **kw):
    raw = sdk.moderations.with_raw_response.create(**kw)
    check_response(raw.http_response.json())
    return raw.parse()


def test_string_input(sdk, check_response):
    resp = _raw(sdk, check_response, input="I will hurt you")
    (result,) = resp.results
    assert result.flagged and result.categories.violence and not result.categories.hate
    assert result.category_scores.violence > result.category_scores.hate
    assert result.category_applied_input_types.violence == ["text"]
    assert resp.model.startswith("flagstone-test@") and resp.id.startswith("modr-")


def test_list_input(sdk, check_response):
    resp = _raw(sdk, check_response, input=["hello", "you are vermin", "I want to end it all"])
    assert [r.flagged for r in resp.results] == [False, True, True]
    assert resp.results[1].categories.hate and resp.results[2].categories.self_harm_intent


def test_text_parts(sdk, check_response):
    resp = _raw(sdk, check_response, input=[{"type": "text", "text": "I will hurt you"}])
    assert len(resp.results) == 1 and resp.results[0].categories.violence


@pytest.mark.parametrize("model", OPENAI_ALIASES)
def test_model_aliases(sdk, check_response, model):
    assert _raw(sdk, check_response, input="hi", model=model).model.startswith("flagstone-test@")


def test_unknown_model_raises_not_found_with_our_envelope(sdk):
    with pytest.raises(openai.NotFoundError) as info:
        sdk.moderations.create(input="hi", model="gpt-unknown")
    assert info.value.status_code == 404
    assert info.value.code == "model_not_found" and info.value.param == "model"
    assert "gpt-unknown" in info.value.message


def test_remote_image_part_raises_bad_request_while_remote_is_off(sdk):
    with pytest.raises(openai.BadRequestError) as info:
        sdk.moderations.create(input=[{"type": "image_url", "image_url": {"url": "https://example.org/a.png"}}])
    assert info.value.code == "image_url_refused" and info.value.param == "input[0].image_url.url"


def test_empty_list_raises_bad_request(sdk):
    with pytest.raises(openai.BadRequestError) as info:
        sdk.moderations.create(input=[])
    assert info.value.param == "input" and "empty" in info.value.message


def test_list_models(sdk):
    ids = [m.id for m in sdk.models.list()]
    assert set(OPENAI_ALIASES) <= set(ids) and ids[0].startswith("flagstone-test@")


def test_concurrent_http_requests_are_batched_and_answered_separately(settings, serve):
    """Many clients at once: fewer model calls than requests, and each client gets its own verdicts."""
    from concurrent.futures import ThreadPoolExecutor

    from flagstone.models.fakes import KeywordModel
    from flagstone.serving.app import create_app

    calls: list[int] = []

    class Counting(KeywordModel):
        def predict_proba(self, texts):
            calls.append(len(texts))
            return super().predict_proba(texts)

    app = create_app(settings.model_copy(update={"batch_max_wait_ms": 100.0}), model=Counting({"violence": ["hurt"]}))
    with serve(app) as server:
        client = OpenAI(base_url=f"{server.url}/v1", api_key="test", max_retries=0, timeout=30)
        texts = [f"I will hurt you {i}" if i % 3 == 0 else f"a calm note {i}" for i in range(16)]
        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(lambda t: client.moderations.create(input=[t, "filler"]), texts))
    assert len(calls) < len(texts) and sum(calls) == 2 * len(texts)
    for text, resp in zip(texts, results, strict=True):
        assert resp.results[0].flagged == text.startswith("I will hurt")
        assert resp.results[1].flagged is False
