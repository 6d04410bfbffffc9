"""Control characters and terminal escapes in moderation input are cleaned and scored, not refused.

Before issue 17 a NUL, BEL or ANSI escape got a 400, so the text went unmoderated and one bad text
refused a whole batch. Text that is not Unicode (unpaired surrogates, invalid UTF-8) is still a 400.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pytest
from fastapi.testclient import TestClient

from flagstone.models.base import ModelInfo
from flagstone.models.fakes import KeywordModel
from flagstone.serving.app import create_app
from flagstone.settings import Settings

JSON = {"content-type": "application/json"}


class RecordingModel:
    """The conftest keyword model, remembering every text it was asked to score."""

    def __init__(self, inner: KeywordModel) -> None:
        self.inner = inner
        self.seen: list[str] = []

    @property
    def info(self) -> ModelInfo:
        return self.inner.info

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        return self.inner.predict_proba(texts)


@pytest.fixture
def recording(keyword_model: KeywordModel) -> RecordingModel:
    return RecordingModel(keyword_model)


@pytest.fixture
def rclient(settings: Settings, recording: RecordingModel) -> Iterator[TestClient]:
    # decode_defence off: the model then sees exactly the texts the route hands to the batcher.
    settings = settings.model_copy(update={"decode_defence": False})
    with TestClient(create_app(settings, model=recording), raise_server_exceptions=False) as c:
        yield c


def _flags(resp) -> list[bool]:
    assert resp.status_code == 200, resp.text
    return [r["flagged"] for r in resp.json()["results"]]


def test_a_batch_with_junk_in_one_text_is_scored_whole(rclient, recording, check_response):
    texts = ["have a nice day", "\x1b[31mI will hurt you\x1b[0m\x07", "nul\x00 and bell\x07 but benign",
             "those people are vermin"]
    resp = rclient.post("/v1/moderations", json={"input": texts})
    check_response(resp.json())
    assert _flags(resp) == [False, True, False, True]
    assert recording.seen == ["have a nice day", "I will hurt you", "nul and bell but benign",
                              "those people are vermin"]


@pytest.mark.parametrize(("raw", "scored"), [
    ("nul\x00byte", "nulbyte"),
    ("\x1b]0;title\x07I will hurt you", "titleI will hurt you"),  # an OSC payload is scored, not hidden
    ("dos\r\nline\rmac", "dos\nline\nmac"),
    ("c1 \x85next \x9b1mline", "c1 \nnext line"),
    ("tab\tstays\nand newline", "tab\tstays\nand newline"),
])
def test_the_model_scores_the_cleaned_text(rclient, recording, raw, scored):
    assert rclient.post("/v1/moderations", json={"input": raw}).status_code == 200
    assert recording.seen == [scored]


def test_text_parts_are_cleaned_before_they_are_joined(rclient, recording):
    parts = [{"type": "text", "text": "\x1b[1mhello\x1b[m"}, {"type": "text", "text": "I will h\x00urt you"}]
    assert _flags(rclient.post("/v1/moderations", json={"input": parts})) == [True]
    assert recording.seen == ["hello\nI will hurt you"]


def test_an_escaped_control_in_raw_json_is_cleaned(rclient, recording):
    raw = b'{"input": ["ok", "bell\\u0007", "\\u001b[31mI will hurt you"]}'
    assert _flags(rclient.post("/v1/moderations", content=raw, headers=JSON)) == [False, False, True]
    assert recording.seen == ["ok", "bell", "I will hurt you"]


def test_the_length_limit_applies_to_the_cleaned_text(settings, recording):
    settings = settings.model_copy(update={"max_input_chars": 20})
    with TestClient(create_app(settings, model=recording)) as c:
        colour = "\x1b[38;5;196m"  # 11 characters of escape around 15 of text
        assert c.post("/v1/moderations", json={"input": f"{colour}I will hurt you"}).status_code == 200
        resp = c.post("/v1/moderations", json={"input": "x" * 21})
        assert resp.status_code == 400 and resp.json()["error"]["param"] == "input"


def test_unpaired_surrogate_in_a_batch_is_still_400_naming_the_item(rclient, recording):
    raw = b'{"input": ["fine \\u0007", "bad \\udc00"]}'
    resp = rclient.post("/v1/moderations", content=raw, headers=JSON)
    assert resp.status_code == 400
    err = resp.json()["error"]
    assert err["param"] == "input[1]" and "unpaired UTF-16 surrogate" in err["message"]
    assert recording.seen == []


def test_invalid_utf8_is_still_400(rclient, recording):
    resp = rclient.post("/v1/moderations", content=b'{"input": "bad \xff\x07"}', headers=JSON)
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid_encoding"
    assert recording.seen == []
