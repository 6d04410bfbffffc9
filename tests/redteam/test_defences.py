"""The decoding defence: max over a text and its decoded views."""

from __future__ import annotations

import numpy as np

from flagstone.models.decoding import DecodingModel
from flagstone.models.fakes import KeywordModel
from flagstone.redteam.runner import run_suite
from flagstone.redteam.suite import Suite


def test_scores_plain_text_like_the_wrapped_model(keyword_model, seeds) -> None:
    defended = DecodingModel(keyword_model)
    plain = [t for t in seeds.texts if "kill" not in t][:10]
    np.testing.assert_allclose(defended.predict_proba(plain), keyword_model.predict_proba(plain))
    assert defended.info.name.endswith("+decode") and defended.info.thresholds == keyword_model.info.thresholds
    assert defended.predict_proba([]).shape == (0, 13)


def test_encodings_no_longer_hide_text(keyword_model, seeds) -> None:
    suite = Suite.model_validate({"name": "enc", "attacks": [
        {"attack": "base64"}, {"attack": "rot13"}, {"attack": "reversed"}, {"attack": "spelled_out"},
        {"attack": "leetspeak", "params": {"rate": 1.0}}]})
    before = run_suite(keyword_model, suite, seeds).by_attack()
    after = run_suite(DecodingModel(keyword_model), suite, seeds).by_attack()
    for name in ("base64", "rot13", "reversed", "spelled_out"):
        assert before[name].asr == 1.0
        assert after[name].asr <= 0.1, name
    assert after["leetspeak"].asr < before["leetspeak"].asr


def test_decoded_view_of_a_benign_text_does_not_add_flags() -> None:
    model = KeywordModel({"violence": ["kill"]})
    out = DecodingModel(model).predict_proba(["Room B-12 at 1pm, e.g. after lunch", "well-known U.S.A. facts"])
    assert out.max() < 0.5


def test_views_come_from_the_whole_text_before_windowing() -> None:
    import base64

    model = KeywordModel({"violence": ["kill"]})
    long_text = " ".join(["The weather was fine and we walked along the river."] * 60)
    hidden = base64.b64encode(f"{long_text} then I will kill him".encode()).decode()
    assert model.info.max_tokens < len(hidden) / 3  # the plain scorer would cut it into windows
    defended = DecodingModel(model)
    assert defended.info.max_tokens > 10**6
    assert defended.predict_proba([hidden])[0, 11] >= 0.5
