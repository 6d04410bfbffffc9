"""Word-level attacks: typos, split and joined words, and euphemism (algospeak) substitutions."""

from __future__ import annotations

import random
import re
from functools import cache
from pathlib import Path

import yaml

from flagstone.errors import ConfigError
from flagstone.redteam.attacks._words import check_rate, map_words
from flagstone.redteam.base import Attack, register_attack

WORDLISTS = Path(__file__).resolve().parents[1] / "data" / "wordlists"
_NEIGHBOURS = {
    "a": "qsz", "b": "vgn", "c": "xdv", "d": "sfe", "e": "wrd", "f": "dgr", "g": "fht", "h": "gjy",
    "i": "uok", "j": "hku", "k": "jli", "l": "kop", "m": "nk", "n": "bmh", "o": "ipl", "p": "ol",
    "q": "wa", "r": "eft", "s": "adw", "t": "rgy", "u": "yij", "v": "cbf", "w": "qes", "x": "zsc",
    "y": "tuh", "z": "xas",
}


@cache
def load_wordlist(name: str) -> dict:
    """A YAML word list shipped in ``redteam/data/wordlists``; missing or malformed is an error."""
    path = WORDLISTS / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(f"word list not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from exc
    if not isinstance(data, dict) or not data:
        raise ConfigError(f"{path}: expected a non-empty mapping")
    return data


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    op = rng.choice(("swap", "drop", "double", "near"))
    if op == "swap" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if op == "drop" and len(word) > 3:
        return word[:i] + word[i + 1:]
    if op == "near" and word[i].lower() in _NEIGHBOURS:
        return word[:i] + rng.choice(_NEIGHBOURS[word[i].lower()]) + word[i + 1:]
    return word[:i] + word[i] + word[i:]


@register_attack
class Typos(Attack):
    name = "typos"
    family = "word"
    description = "keyboard typos: swapped, dropped, doubled or neighbouring letters"

    def __init__(self, rate: float = 0.4, min_len: int = 4) -> None:
        self.rate, self.min_len = check_rate(rate), int(min_len)

    def apply(self, text: str, rng: random.Random) -> str:
        return map_words(text, _typo, rng, rate=self.rate, min_len=self.min_len)


@register_attack
class WordSplit(Attack):
    name = "word_split"
    family = "word"
    description = "split words in two with a space (kill -> ki ll)"

    def __init__(self, rate: float = 0.5, min_len: int = 4) -> None:
        self.rate, self.min_len = check_rate(rate), int(min_len)

    def apply(self, text: str, rng: random.Random) -> str:
        def split(word: str, r: random.Random) -> str:
            cut = r.randrange(1, len(word))
            return word[:cut] + " " + word[cut:]

        return map_words(text, split, rng, rate=self.rate, min_len=self.min_len)


@register_attack
class WordJoin(Attack):
    name = "word_join"
    family = "word"
    description = "remove the spaces between words (i will kill you -> iwillkillyou)"

    def __init__(self, rate: float = 0.7) -> None:
        self.rate = check_rate(rate)

    def apply(self, text: str, rng: random.Random) -> str:
        parts = re.split(r"( +)", text)
        joined = "".join("" if p.strip() == "" and p and rng.random() < self.rate else p for p in parts)
        if joined == text and " " in text:
            joined = text.replace(" ", "", 1)
        return joined


@register_attack
class Euphemisms(Attack):
    name = "euphemisms"
    family = "word"
    description = "substitute trigger words with algospeak euphemisms from a word list (kill -> unalive)"

    def __init__(self, wordlist: str = "euphemisms") -> None:
        self.wordlist = wordlist
        table = load_wordlist(wordlist)
        self._table = {str(k).lower(): [str(v) for v in vs] for k, vs in table.items()}
        # Longest phrases first so "kill myself" wins over "kill".
        keys = sorted(self._table, key=len, reverse=True)
        self._pattern = re.compile(r"\b(" + "|".join(map(re.escape, keys)) + r")\b", re.IGNORECASE)

    def apply(self, text: str, rng: random.Random) -> str:
        return self._pattern.sub(lambda m: rng.choice(self._table[m.group(0).lower()]), text)
