"""Over-flagging probes: add harmless sentences with alarming words to benign items.

A success is a benign item that the model now flags, so these measure false positives, not misses.
"""

from __future__ import annotations

import random

from flagstone.redteam.attacks.word import load_wordlist
from flagstone.redteam.base import Attack, register_attack


class _Probe(Attack):
    family = "overflag"
    targets = "benign"
    section: str

    def __init__(self, mode: str = "append") -> None:
        if mode not in ("append", "replace"):
            raise ValueError("mode must be 'append' or 'replace'")
        self.mode = mode

    def sentence(self, rng: random.Random) -> str:
        return rng.choice(load_wordlist("overflag")[self.section])

    def apply(self, text: str, rng: random.Random) -> str:
        probe = self.sentence(rng)
        return probe if self.mode == "replace" or not text.strip() else f"{text.rstrip()} {probe}"


@register_attack
class Homonyms(_Probe):
    name = "probe_homonyms"
    section = "homonyms"
    description = "harmless senses of alarming words (kill a process, shoot a wedding)"


@register_attack
class FiguresOfSpeech(_Probe):
    name = "probe_figures_of_speech"
    section = "figures_of_speech"
    description = "idioms and hyperbole (I'm dying to see it, that workout is killing me)"


@register_attack
class SafeContexts(_Probe):
    name = "probe_safe_contexts"
    section = "safe_contexts"
    description = "alarming topics in educational, medical, news or support contexts"


@register_attack
class CounterSpeech(_Probe):
    name = "probe_counter_speech"
    section = "counter_speech"
    description = "counter-speech that quotes abuse in order to reject or report it"

    def sentence(self, rng: random.Random) -> str:
        lists = load_wordlist("overflag")
        return rng.choice(lists["counter_speech"]).replace("{quote}", rng.choice(lists["quotes"]))
