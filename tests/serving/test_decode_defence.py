"""The server scores decoded views (base64, ROT13, spaced-out letters) unless decode_defence is off."""

import base64

import pytest
from fastapi.testclient import TestClient

from flagstone.serving.app import create_app

ENCODED = [
    base64.b64encode(b"I am going to hurt you tomorrow").decode(),
    "V nz tbvat gb uheg lbh gbzbeebj",  # ROT13
    "I am going to h u r t you",
]


@pytest.mark.parametrize("text", ENCODED)
def test_encoded_threat_is_flagged_with_the_defence_and_missed_without(settings, keyword_model, check_response,
                                                                        text):
    with TestClient(create_app(settings, model=keyword_model)) as on:
        body = check_response(on.post("/v1/moderations", json={"input": text}).json())
        assert body["results"][0]["categories"]["violence"] is True
        assert body["model"].startswith("flagstone-test")  # the response names the model, not the wrapper
    off_settings = settings.model_copy(update={"decode_defence": False})
    with TestClient(create_app(off_settings, model=keyword_model)) as off:
        body = check_response(off.post("/v1/moderations", json={"input": text}).json())
        assert body["results"][0]["categories"]["violence"] is False


def test_plain_benign_text_is_unchanged_by_the_defence(client, check_response):
    body = check_response(client.post("/v1/moderations", json={"input": "see you at lunch"}).json())
    assert body["results"][0]["flagged"] is False
