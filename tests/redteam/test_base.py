"""Contract tests over the whole attack registry, and the registry's own checks."""

from __future__ import annotations

import random

import pytest

from flagstone.errors import ConfigError
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.redteam.base import FAMILIES, Attack, Chain, available_attacks, make_attack, register_attack

ATTACKS = sorted(available_attacks())
TEXT = "I will kill you and your stupid family tomorrow"


def test_every_family_has_attacks() -> None:
    fams = {cls.family for cls in available_attacks().values()}
    assert fams == set(FAMILIES)


@pytest.mark.parametrize("name", ATTACKS)
def test_contract(name: str) -> None:
    cls = available_attacks()[name]
    assert cls.name == name and cls.description and cls.family in FAMILIES
    assert set(cls.categories) <= set(CATEGORIES)
    assert cls.targets in ("positive", "benign")
    attack = make_attack(name)
    out1 = attack.apply(TEXT, random.Random(5))
    out2 = attack.apply(TEXT, random.Random(5))
    assert isinstance(out1, str)
    assert out1 == out2, "same rng seed, same attacked text"
    assert out1 != TEXT, "an attack changes a text that has words it can attack"
    # Edge inputs never raise: empty text, non-Latin text, a single letter.
    for edge in ("", "日本語のテキスト", "a", "   "):
        assert isinstance(attack.apply(edge, random.Random(1)), str)


@pytest.mark.parametrize("name", ATTACKS)
def test_probes_target_benign_and_the_rest_positives(name: str) -> None:
    cls = available_attacks()[name]
    assert (cls.family == "overflag") == (cls.targets == "benign")


def test_unknown_attack_lists_what_is_available() -> None:
    with pytest.raises(ConfigError, match="unknown attack 'nope'; available: .*leetspeak"):
        make_attack("nope")


def test_bad_parameters_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="bad parameters"):
        make_attack("leetspeak", {"colour": "red"})
    with pytest.raises(ConfigError, match="rate must be in"):
        make_attack("leetspeak", {"rate": 0})
    with pytest.raises(ConfigError, match="sentences must be at least 1"):
        make_attack("dilution", {"sentences": 0})
    with pytest.raises(ConfigError, match="mode must be"):
        make_attack("probe_homonyms", {"mode": "sideways"})


def test_register_rejects_duplicates_and_bad_declarations() -> None:
    with pytest.raises(TypeError, match="registered twice"):
        @register_attack
        class Again(Attack):
            name = "leetspeak"
            family = "character"
            description = "a second leetspeak"

            def apply(self, text, rng):
                return text

    with pytest.raises(TypeError, match="family must be one of"):
        @register_attack
        class BadFamily(Attack):
            name = "bad_family_attack"
            family = "telepathy"
            description = "x"

            def apply(self, text, rng):
                return text

    with pytest.raises(TypeError, match="unknown or empty categories"):
        @register_attack
        class BadCats(Attack):
            name = "bad_categories_attack"
            family = "word"
            description = "x"
            categories = ("spam",)

            def apply(self, text, rng):
                return text

    assert "bad_family_attack" not in available_attacks()


def test_chain_applies_in_order_and_intersects_categories() -> None:
    chain = Chain("leet_b64", [make_attack("leetspeak", {"rate": 1.0}), make_attack("base64")])
    out = chain.apply("kill", random.Random(0))
    import base64

    assert base64.b64decode(out).decode() != "kill"  # leetspeak ran first
    assert chain.family == "composite" and chain.targets == "positive"
    assert chain.label_preserving is False  # base64 is not label-preserving for training


def test_chain_refuses_mixing_probes_and_attacks() -> None:
    with pytest.raises(ConfigError, match="mixes"):
        Chain("bad", [make_attack("leetspeak"), make_attack("probe_homonyms")])
    with pytest.raises(ConfigError, match="at least one"):
        Chain("empty", [])
