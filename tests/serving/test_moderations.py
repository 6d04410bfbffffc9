"""POST /v1/moderations in-process: OpenAI's shapes, model names, and what each bad input gets."""

from __future__ import annotations

import pytest

from flagstone.policy.taxonomy import CATEGORIES
from flagstone.serving.deps import OPENAI_ALIASES
from flagstone.settings import Settings

JSON = {"content-type": "application/json"}


def _error(resp, status: int, param: str | None, *words: str) -> dict:
    """Assert an OpenAI error envelope with this status and param whose message mentions ``words``."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) == {"message", "type", "param", "code"}
    assert err["param"] == param
    for w in words:
        assert w in err["message"], (w, err["message"])
    return err


def test_string_input_gets_one_openai_shaped_result(client, check_response):
    body = check_response(client.post("/v1/moderations", json={"input": "I will hurt you"}).json())
    assert body["id"].startswith("modr-") and body["model"].startswith("flagstone-test@")
    (result,) = body["results"]
    assert list(result["categories"]) == list(CATEGORIES)
    assert result["categories"]["violence"] is True and result["flagged"] is True
    assert result["category_scores"]["violence"] == pytest.approx(0.9)
    assert result["categories"]["hate"] is False
    assert all(v == ["text"] for v in result["category_applied_input_types"].values())


def test_list_input_keeps_order_and_ids_differ(client, check_response):
    texts = ["have a nice day", "those people are vermin", "I want to end it all"]
    a = check_response(client.post("/v1/moderations", json={"input": texts}).json())
    b = check_response(client.post("/v1/moderations", json={"input": texts}).json())
    assert [r["flagged"] for r in a["results"]] == [False, True, True]
    assert a["results"][1]["categories"]["hate"] and a["results"][2]["categories"]["self-harm/intent"]
    assert a["id"] != b["id"]


def test_a_flagged_sub_category_flags_its_parent_and_keeps_its_score(client, check_response):
    """The policy: a sub-category implies its parent. The keyword model scores only self-harm/intent here;
    the response must not say self-harm/intent without self-harm. Scores stay what the model said."""
    (result,) = check_response(client.post("/v1/moderations", json={"input": "I want to end it all"}).json())["results"]
    assert result["categories"]["self-harm/intent"] and result["categories"]["self-harm"]
    assert result["category_scores"]["self-harm"] == pytest.approx(0.05)
    assert not result["categories"]["self-harm/instructions"] and not result["categories"]["violence"]


def test_text_parts_are_one_input(client, check_response):
    parts = [{"type": "text", "text": "hello"}, {"type": "text", "text": "I will hurt you"}]
    body = check_response(client.post("/v1/moderations", json={"input": parts}).json())
    assert len(body["results"]) == 1 and body["results"][0]["categories"]["violence"]


def test_empty_string_is_scored_not_rejected(client, check_response):
    body = check_response(client.post("/v1/moderations", json={"input": ""}).json())
    assert body["results"][0]["flagged"] is False


@pytest.mark.parametrize("name", [*OPENAI_ALIASES, "flagstone-test", None])
def test_aliases_and_own_name_resolve_to_the_default_model(client, check_response, name):
    payload = {"input": "hi"} if name is None else {"input": "hi", "model": name}
    body = check_response(client.post("/v1/moderations", json=payload).json())
    assert body["model"].startswith("flagstone-test@")


def test_full_model_id_resolves(client):
    model_id = client.get("/readyz").json()["model"]
    assert client.post("/v1/moderations", json={"input": "hi", "model": model_id}).status_code == 200


def test_unknown_model_is_404_model_not_found(client):
    err = _error(client.post("/v1/moderations", json={"input": "hi", "model": "gpt-9"}), 404, "model",
                 "gpt-9", "omni-moderation-latest")
    assert err["code"] == "model_not_found" and err["type"] == "invalid_request_error"


def test_remote_image_url_is_400_while_remote_fetching_is_off(client):
    parts = [{"type": "text", "text": "look"}, {"type": "image_url", "image_url": {"url": "https://x/y.png"}}]
    err = _error(client.post("/v1/moderations", json={"input": parts}), 400, "input[1].image_url.url",
                 "remote image URLs are disabled", "data:")
    assert err["code"] == "image_url_refused"


# Each bad body -> (status, param, words the message must contain).
BAD_BODIES = [
    (b'{"input": "x"', 400, None, ("not valid JSON",)),
    (b'{"input": 5}', 400, "input", ("must be a string", "int")),
    (b'{"input": [1, 2]}', 400, "input[0]", ("must be a string or a part", "int")),
    (b'{"input": {}}', 400, "input", ("got dict",)),
    (b'{"input": []}', 400, "input", ("must not be an empty list",)),
    (b'{"input": ["ok", 3]}', 400, "input[1]", ("must be a string", "int")),
    (b'{"input": ["ok", {"type": "text", "text": "x"}]}', 400, "input[1]", ("must be a string", "dict")),
    (b'{"input": [{"type": "text", "text": "x"}, "ok"]}', 400, "input[1]", ("must be a string or a part",)),
    (b'{"input": [{"type": "audio", "audio": "x"}]}', 400, "input[0].type", ("'text' or 'image_url'",)),
    (b'{"input": [{"type": "text"}]}', 400, "input[0].text", ("Field required",)),
    (b'{"input": [{"type": "text", "text": 7}]}', 400, "input[0].text", ("valid string",)),
    (b'{"input": "\\ud800 lone"}', 400, "input", ("unpaired UTF-16 surrogate",)),
    (b'{"input": ["fine", "bad \\udc00"]}', 400, "input[1]", ("unpaired UTF-16 surrogate",)),
    # Control characters are cleaned and scored, not refused: tests/serving/test_control_characters.py
    (b'{"model": "omni-moderation-latest"}', 400, "input", ("missing required parameter 'input'",)),
    (b'{"input": "x", "temperature": 1}', 400, "temperature", ("unrecognized request argument",)),
    (b'{"input": "x", "model": 3}', 400, "model", ("invalid value for 'model'",)),
    (b'["input"]', 400, None, ("must be a JSON object",)),
    (b'', 400, None, ("request body is empty",)),
]


@pytest.mark.parametrize("raw,status,param,words", BAD_BODIES,
                         ids=[b[0].decode("ascii")[:40] or "empty" for b in BAD_BODIES])
def test_bad_bodies_get_a_4xx_envelope_naming_the_field(client, raw, status, param, words):
    err = _error(client.post("/v1/moderations", content=raw, headers=JSON), status, param, *words)
    assert err["type"] == "invalid_request_error"


def test_tabs_and_newlines_are_allowed(client):
    assert client.post("/v1/moderations", json={"input": "a\tb\r\nc"}).status_code == 200


def test_non_utf8_body_is_400(client):
    err = _error(client.post("/v1/moderations", content='{"input": "caf\xe9"}'.encode("latin-1"),
                             headers=JSON), 400, None, "not valid UTF-8", "byte 14")
    assert err["code"] == "invalid_encoding"


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_wrong_content_type_is_415(client, ctype):
    err = _error(client.post("/v1/moderations", content=b'{"input": "x"}', headers={"content-type": ctype}),
                 415, None, ctype, "application/json")
    assert err["code"] == "unsupported_media_type"


def test_missing_content_type_is_415(client):
    resp = client.post("/v1/moderations", content=b'{"input": "x"}')
    assert "content-type" not in {k.lower() for k in resp.request.headers}
    _error(resp, 415, None, "Content-Type header is missing", "application/json")


@pytest.mark.parametrize("raw,param,words", [
    (b'{"input": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", None, ("could not be parsed", "RecursionError")),
    (b'{"input": ' + b"1" * 5000 + b"}", None, ("could not be parsed", "digits")),
    (b'{"input": NaN}', "input", ("must be a string", "float")),
    (b'{"input": null}', "input", ("must be a string", "NoneType")),
], ids=["deep-nesting", "huge-integer", "nan", "null"])
def test_pathological_json_is_400_not_500(client, raw, param, words):
    err = _error(client.post("/v1/moderations", content=raw, headers=JSON), 400, param, *words)
    assert err["type"] == "invalid_request_error"


def test_json_suffix_content_type_is_accepted(client):
    resp = client.post("/v1/moderations", content=b'{"input": "x"}',
                       headers={"content-type": "application/vnd.api+json; charset=utf-8"})
    assert resp.status_code == 200


def test_too_many_inputs(settings, keyword_model, make_client):
    with make_client(settings.model_copy(update={"max_inputs_per_request": 3}), keyword_model) as c:
        assert c.post("/v1/moderations", json={"input": ["a"] * 3}).status_code == 200
        err = _error(c.post("/v1/moderations", json={"input": ["a"] * 4}), 400, "input", "too many inputs", "3")
        assert err["code"] == "input_too_large"


def test_input_over_max_chars(settings, keyword_model, make_client):
    with make_client(settings.model_copy(update={"max_input_chars": 10}), keyword_model) as c:
        _error(c.post("/v1/moderations", json={"input": "x" * 11}), 400, "input", "11 characters", "10")
        _error(c.post("/v1/moderations", json={"input": ["ok", "y" * 11]}), 400, "input[1]", "at most 10")
        parts = [{"type": "text", "text": "x" * 6}, {"type": "text", "text": "y" * 6}]
        _error(c.post("/v1/moderations", json={"input": parts}), 400, "input", "at most 10")


def test_body_over_limit_by_content_length_is_413(settings, keyword_model, make_client):
    with make_client(settings.model_copy(update={"max_body_bytes": 2048}), keyword_model) as c:
        err = _error(c.post("/v1/moderations", json={"input": "x" * 3000}), 413, None, "2048 bytes")
        assert err["code"] == "payload_too_large"
        assert c.post("/v1/moderations", json={"input": "x" * 1000}).status_code == 200


def test_streamed_body_over_limit_is_413_without_content_length(settings, keyword_model, make_client):
    def chunks():
        yield b'{"input": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}'

    with make_client(settings.model_copy(update={"max_body_bytes": 2048}), keyword_model) as c:
        resp = c.post("/v1/moderations", content=chunks(), headers=JSON)
        assert "content-length" not in {k.lower() for k in resp.request.headers}
        _error(resp, 413, None, "larger than the limit")


def test_lying_content_length_is_caught_by_counting_bytes(settings, keyword_model):
    """A client that declares a small Content-Length but streams more is still stopped at the limit."""
    import asyncio

    from flagstone.serving.body import BodyGuard

    sent: list[dict] = []

    async def app(scope, receive, send):  # pragma: no cover - must not be reached
        raise AssertionError("the app must not see an oversized body")

    async def run() -> None:
        chunks = [{"type": "http.request", "body": b"x" * 1500, "more_body": True}] * 3

        async def receive():
            return chunks.pop(0)

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/v1/moderations",
                 "headers": [(b"content-length", b"10"), (b"content-type", b"application/json")]}
        await BodyGuard(app, max_body_bytes=2048)(scope, receive, send)

    asyncio.run(run())
    assert sent[0]["status"] == 413


@pytest.fixture
def make_client():
    from contextlib import contextmanager

    from fastapi.testclient import TestClient

    from flagstone.serving.app import create_app

    @contextmanager
    def make(settings: Settings, model):
        with TestClient(create_app(settings, model=model), raise_server_exceptions=False) as c:
            yield c

    return make
