"""The stub speaks enough of the chat-completions protocol for the openai SDK, and refuses the rest."""

from __future__ import annotations

import httpx
import openai

from flagstone.labeling.stub_server import StubChatServer


def test_models_list_and_chat_completion_through_the_sdk():
    with StubChatServer() as stub:
        client = openai.OpenAI(base_url=stub.base_url, api_key="x", max_retries=0)
        assert [m.id for m in client.models.list()] == ["stub"]
        resp = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        assert resp.choices[0].message.content.startswith('{"categories"')
        assert resp.usage.total_tokens > 0
        client.close()


def test_unknown_routes_and_bad_bodies_get_openai_error_envelopes():
    with StubChatServer() as stub:
        r = httpx.post(stub.base_url + "/chat/completions", content=b"not json")
        assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_request_error"
        assert httpx.get(stub.base_url + "/nope").status_code == 404
        assert httpx.post(stub.base_url + "/completions", json={}).status_code == 404


def test_scripted_behaviours_are_served_in_order_then_ok():
    with StubChatServer(default_script=["rate_limit", "error"], retry_after=7) as stub:
        body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
        r1 = httpx.post(stub.base_url + "/chat/completions", json=body)
        r2 = httpx.post(stub.base_url + "/chat/completions", json=body)
        r3 = httpx.post(stub.base_url + "/chat/completions", json=body)
    assert (r1.status_code, r1.headers["retry-after"]) == (429, "7")
    assert r2.status_code == 500 and r3.status_code == 200
