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


# ---------------------------------------------------------------- fast paths give the full path's result
# The reference below is the normalisation as first written, with no shortcuts; the shipped function
# skips work that cannot change ASCII text, bare-mark-free text or text without leet characters.
import importlib  # noqa: E402
import re  # noqa: E402
import unicodedata  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from flagstone.text.controls import strip_escapes  # noqa: E402

N = importlib.import_module("flagstone.text.normalize")  # the module (the package exports the function)


def _reference(text: str) -> str:
    if not text:
        return ""
    text = strip_escapes(text)
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    text = unicodedata.normalize("NFKC", text).translate(N._REMOVE)
    decomposed, kept = unicodedata.normalize("NFD", text), []
    for i, ch in enumerate(decomposed):  # a mark goes when the letter it sits on is Latin (ASCII)
        base = next((b for b in reversed(decomposed[:i]) if not unicodedata.combining(b)), "a")
        if not (unicodedata.combining(ch) and base.isascii()):
            kept.append(ch)
    text = unicodedata.normalize("NFC", "".join(kept))
    text = N._map_confusables(text)
    text = N._LEET_WORD.sub(N._unleet, text)
    text = N._REPEATS.sub(r"\1\1", text)
    text = N._SPACES.sub(" ", text)
    return N._NEWLINES.sub("\n\n", text).strip()


_TRICKY = "".join(map(chr, [0x0, 0x7, 0x9, 0xA, 0xD, 0x7F, 0xAD, 0x301, 0x308, 0x200B, 0x200D, 0xFEFF, 0x1100,
                            0x1161, 0x11A8, 0xAC00, 0xD800, 0xDFFF, 0xE0041, 0x1D400, 0xFF21, 0xFB01, 0x2460,
                            0x430, 0x3B1, 0xE9, 0xDF, 0x1B, 0x9B, 0x9D]))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=60))
def test_ascii_fast_path_matches_the_full_path(text: str) -> None:
    assert N.normalize(text) == _reference(text)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(_TRICKY + "abk1l@ 3e!$|"), max_size=40)
       | st.text(max_size=40))
def test_unicode_text_matches_the_full_path(text: str) -> None:
    assert N.normalize(text) == _reference(text)


def test_leet_words_always_hold_a_leet_character() -> None:
    # The pre-check skips the leet regex when no such character is present; its pattern demands one.
    assert N._LEET_WORD.search("kill hate") is None and N._LEET_CHAR.search("kill hate") is None
    for word in ("k1ll", "h@te", "$hit", "l0ser", "a|b"):
        assert N._LEET_WORD.search(word) and N._LEET_CHAR.search(word)
    assert re.fullmatch(r"\[.*\]", N._LEET_CHAR.pattern)


@pytest.mark.parametrize(("text", "expected"), [
    ("Я убью тебя сегодня ночью", "Я убью тебя сегодня ночью"),  # real Russian keeps its letters
    ("Καλημέρα κόσμε", "Καλημέρα κόσμε"),  # and Greek its accents
    ("I h\u0430te you", "I hate you"),  # a Cyrillic a inside a Latin word is a disguise
    ("\u0443\u043eu are dead", "you are dead"),  # an all-look-alike word in a Latin text too
    ("k\u00edll them", "kill them"),
    ("Je vais te tuer, salop\u00e9", "Je vais te tuer, salope"),
])
def test_look_alikes_are_mapped_only_where_they_disguise_latin(text: str, expected: str) -> None:
    assert N.normalize(text) == expected
