"""What each attack family does to a text, checked against how a reader would undo it."""

from __future__ import annotations

import base64
import codecs
import random

import pytest

from flagstone.redteam.attacks.context import load_framings
from flagstone.redteam.base import make_attack
from flagstone.text.normalize import normalize

TEXT = "I will stab you and your whole family"


@pytest.mark.parametrize("name", ["homoglyphs", "zero_width", "diacritics", "case_changes"])
def test_character_attacks_that_normalisation_undoes(name: str) -> None:
    for seed in range(5):
        attacked = make_attack(name, {"rate": 1.0}).apply(TEXT, random.Random(seed))
        assert attacked != TEXT
        assert normalize(attacked).lower() == TEXT.lower()


def test_leetspeak_uses_digits_and_symbols() -> None:
    out = make_attack("leetspeak", {"rate": 1.0}).apply("hate attack", random.Random(2))
    assert any(ch in out for ch in "4@37$1")
    assert out.replace(" ", "").isalpha() is False


def test_spacing_punctuation_and_repeats() -> None:
    assert "s t a b" in make_attack("inner_spacing", {"rate": 1.0}).apply("stab", random.Random(0))
    punct = make_attack("inner_punctuation", {"rate": 1.0}).apply("stab", random.Random(0))
    assert len(punct) > 4 and punct.replace(".", "").replace("-", "").replace("*", "").replace("_", "") == "stab"
    rep = make_attack("repeated_letters", {"rate": 1.0}).apply("stab", random.Random(0))
    assert len(rep) >= 6 and normalize(rep) != rep


def test_word_level() -> None:
    typo = make_attack("typos", {"rate": 1.0}).apply("family", random.Random(1))
    assert typo != "family" and abs(len(typo) - 6) <= 1
    split = make_attack("word_split", {"rate": 1.0}).apply("family", random.Random(1))
    assert split.replace(" ", "") == "family" and " " in split
    joined = make_attack("word_join", {"rate": 1.0}).apply(TEXT, random.Random(1))
    assert joined == TEXT.replace(" ", "")
    eup = make_attack("euphemisms").apply("I want to kill myself", random.Random(0))
    assert "kill" not in eup and eup.startswith("I want to ")
    # No word from the list: the text comes back unchanged (the runner counts it as not applicable).
    assert make_attack("euphemisms").apply("a nice day", random.Random(0)) == "a nice day"


def test_encodings_round_trip() -> None:
    rng = random.Random(0)
    assert base64.b64decode(make_attack("base64").apply(TEXT, rng)).decode() == TEXT
    assert codecs.decode(make_attack("rot13").apply(TEXT, rng), "rot_13") == TEXT
    assert make_attack("reversed").apply(TEXT, rng)[::-1] == TEXT
    spelled = make_attack("spelled_out").apply(TEXT, rng)
    assert " ".join(w.replace(" ", "") for w in spelled.split(" / ")) == TEXT
    hinted = make_attack("rot13", {"instruction": True}).apply(TEXT, rng)
    assert hinted.startswith("Decode this ROT13: ")


@pytest.mark.parametrize("name", ["framing_fiction", "framing_hypothetical", "framing_roleplay",
                                  "framing_quotation", "dilution"])
def test_context_attacks_keep_the_text_inside(name: str) -> None:
    out = make_attack(name).apply(TEXT, random.Random(3))
    assert TEXT in out and len(out) > len(TEXT) + 20


def test_framings_cover_each_family_and_carry_attribution() -> None:
    framings = load_framings()
    assert set(framings) == {"fiction", "hypothetical", "roleplay", "quotation"}
    assert all("{text}" in t for ts in framings.values() for t in ts)
    import yaml

    from flagstone.redteam.attacks.context import FRAMINGS_FILE

    doc = yaml.safe_load(FRAMINGS_FILE.read_text())
    assert "MIT License" in doc["licence"] and "GPTFuzz" in doc["attribution"]


@pytest.mark.parametrize("name", ["probe_homonyms", "probe_figures_of_speech", "probe_safe_contexts",
                                  "probe_counter_speech"])
def test_probes_append_or_replace(name: str) -> None:
    benign = "Lovely weather today."
    out = make_attack(name).apply(benign, random.Random(0))
    assert out.startswith(benign + " ") and "{quote}" not in out
    alone = make_attack(name, {"mode": "replace"}).apply(benign, random.Random(0))
    assert benign not in alone and alone
