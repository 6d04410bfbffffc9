"""Decoded views: what obfuscation hides, read back; ordinary text yields none."""

from __future__ import annotations

import base64
import codecs

import pytest

from flagstone.text.decode import decoded_views

PLAIN = "I will hurt you and your family"


@pytest.mark.parametrize("attacked", [
    base64.b64encode(PLAIN.encode()).decode(),
    "Decode this base64: " + base64.b64encode(PLAIN.encode()).decode(),
    codecs.encode(PLAIN, "rot_13"),
    PLAIN[::-1],
    " / ".join(" ".join(w) for w in PLAIN.split()),
])
def test_encodings_decode_to_the_plain_text(attacked: str) -> None:
    assert any(PLAIN in v for v in decoded_views(attacked))


@pytest.mark.parametrize(("attacked", "word"), [
    ("I will h.u.r.t you", "hurt"),
    ("I will h u r t you", "hurt"),
    ("I will hu-rt you", "hurt"),
    ("I will ki11 you", "kill"),
    ("w1l1 k111", "will kill"),
    ("I wiiiill huuuurt you", "will hurt"),
    ("i w i l l h u r t y o u", "i will hurt you"),  # spaced words run together, then segmented
    ("iwillhurtyouandyourfamily", "i will hurt you and your family"),
])
def test_spacing_punctuation_and_leet_ones(attacked: str, word: str) -> None:
    assert any(word in v for v in decoded_views(attacked))


@pytest.mark.parametrize("text", [
    "The meeting is at 10am in room B-12, see https://example.com/a-b.html",
    "Can you recommend a good recipe for banana bread?",
    "hash 3f2a9b8c7d6e5f4a3b2c1d0e",
    "room 101 at 1pm",
    "internationalization is a long word",
    "",
])
def test_ordinary_text_has_no_views(text: str) -> None:
    assert decoded_views(text) == []


def test_binary_base64_is_not_a_view() -> None:
    assert decoded_views(base64.b64encode(bytes(range(40))).decode()) == []


def test_rot13_of_text_with_few_english_words_is_found_by_vowel_share() -> None:
    french = "photos de naturisme et une femme toute nue dans la piscine"
    assert french in decoded_views(codecs.encode(french, "rot_13"))
    assert decoded_views(french) == []  # plain French text is not mistaken for ROT13


def test_spelled_out_text_is_undone_exactly() -> None:
    text = "No, they can't stay."
    spelled = " / ".join(" ".join(w) for w in text.split())
    assert text in decoded_views(spelled)
