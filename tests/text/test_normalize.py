"""Normalisation: each documented step, kept stable because models and item keys depend on it."""

from __future__ import annotations

import pytest

from flagstone.text.normalize import normalize, text_key


@pytest.mark.parametrize(("raw", "expected"), [
    ("ｆｕｌｌ ｗｉｄｔｈ", "full width"),  # NFKC
    ("k\u200bi\u200dl\u2060l", "kill"),  # zero-width and invisible characters
    ("kíll thé", "kill the"),  # diacritics
    ("рrеѕѕ", "press"),  # Cyrillic confusables
    ("аnԁ уоu", "and you"),
    ("пot", "not"),  # Cyrillic pe, a look-alike of n found by the homoglyph attack
    ("k1ll h@te", "kill hate"),  # leetspeak inside words
    ("the 1st and 4th", "the 1st and 4th"),  # ordinals stay
    ("soooooo good!", "soo good!"),  # runs of 3+ letters collapse to 2
    ("a  \t b", "a b"),
    ("a\n\n\n\nb", "a\n\nb"),
    ("", ""),
])
def test_steps(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_idempotent() -> None:
    for raw in ("k1ll yоu\u200b", "Sooo  ｈａｐｐｙ", "naïve café"):
        assert normalize(normalize(raw)) == normalize(raw)


def test_lone_surrogates_do_not_raise() -> None:
    assert isinstance(normalize("a\ud800b"), str)


def test_text_key_ignores_case_invisible_characters_and_spacing() -> None:
    assert text_key("Hello  World") == text_key("hello\u200b world")
    assert text_key("hello") != text_key("help")


def test_repeat_collapse_ignores_case_so_item_keys_agree():
    assert text_key("we11i") == text_key("WE11I")
    assert normalize("SOOOo good") == "SOO good"
