"""Character-level attacks: the spelling stays readable to people, the bytes change."""

from __future__ import annotations

import random
import unicodedata

from flagstone.redteam.attacks._words import check_rate, map_words
from flagstone.redteam.base import Attack, register_attack

_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7", "l": "1", "g": "9", "b": "8"}
_LEET_SYMBOLS = {"a": "@", "s": "$", "i": "!", "l": "|"}
# Cyrillic/Greek letters that render like Latin ones.
_HOMOGLYPHS = {"a": "а", "c": "с", "e": "е", "i": "і", "o": "о", "p": "р", "x": "х", "y": "у", "k": "κ",
               "n": "п", "h": "һ", "s": "ѕ", "j": "ј", "d": "ԁ", "A": "А", "B": "В", "E": "Е", "H": "Н",
               "K": "К", "M": "М", "O": "О", "P": "Р", "T": "Т", "X": "Х"}
_INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad")
_MARKS = ("\u0301", "\u0300", "\u0308", "\u0302", "\u0303", "\u0327")


class _PerWord(Attack):
    """Base for attacks that rewrite a share of the words."""

    def __init__(self, rate: float = 0.6, min_len: int = 3) -> None:
        self.rate = check_rate(rate)
        self.min_len = int(min_len)

    def word(self, word: str, rng: random.Random) -> str:  # pragma: no cover - abstract in practice
        raise NotImplementedError

    def apply(self, text: str, rng: random.Random) -> str:
        return map_words(text, self.word, rng, rate=self.rate, min_len=self.min_len)


@register_attack
class Leetspeak(_PerWord):
    name = "leetspeak"
    family = "character"
    description = "swap letters for look-alike digits and symbols (kill -> k1ll, hate -> h@te)"

    def word(self, word: str, rng: random.Random) -> str:
        table = _LEET_SYMBOLS if rng.random() < 0.3 else _LEET
        out = "".join(table.get(ch.lower(), ch) if rng.random() < 0.7 else ch for ch in word)
        if out == word:  # make sure something changed when the word has a mappable letter
            for i, ch in enumerate(word):
                if ch.lower() in _LEET:
                    return word[:i] + _LEET[ch.lower()] + word[i + 1:]
        return out


@register_attack
class Homoglyphs(_PerWord):
    name = "homoglyphs"
    family = "character"
    description = "replace Latin letters with Cyrillic/Greek confusables that look the same"

    def word(self, word: str, rng: random.Random) -> str:
        return "".join(_HOMOGLYPHS.get(ch, ch) if rng.random() < 0.6 else ch for ch in word) \
            if any(ch in _HOMOGLYPHS for ch in word) else word


@register_attack
class ZeroWidth(_PerWord):
    name = "zero_width"
    family = "character"
    description = "insert zero-width and other invisible characters between the letters of words"

    def word(self, word: str, rng: random.Random) -> str:
        return word[0] + "".join(rng.choice(_INVISIBLE) + ch for ch in word[1:])


@register_attack
class Diacritics(_PerWord):
    name = "diacritics"
    family = "character"
    description = "add combining accents to letters (kill -> kíll)"

    def word(self, word: str, rng: random.Random) -> str:
        chars = [ch + rng.choice(_MARKS) if rng.random() < 0.5 else ch for ch in word]
        if chars == list(word):
            chars[0] += _MARKS[0]
        return unicodedata.normalize("NFC", "".join(chars))


@register_attack
class InnerSpacing(_PerWord):
    name = "inner_spacing"
    family = "character"
    description = "space the letters of words apart (kill -> k i l l)"

    def word(self, word: str, rng: random.Random) -> str:
        return " ".join(word)


@register_attack
class InnerPunctuation(_PerWord):
    name = "inner_punctuation"
    family = "character"
    description = "insert dots, dashes, asterisks or underscores inside words (kill -> k.i.l.l, ki-ll)"

    def word(self, word: str, rng: random.Random) -> str:
        sep = rng.choice((".", "-", "*", "_"))
        if rng.random() < 0.5:
            return sep.join(word)
        cut = rng.randrange(1, len(word))
        return word[:cut] + sep + word[cut:]


@register_attack
class RepeatedLetters(_PerWord):
    name = "repeated_letters"
    family = "character"
    description = "stretch letters by repeating them (kill -> kiiiill)"

    def word(self, word: str, rng: random.Random) -> str:
        i = rng.randrange(len(word))
        return word[:i] + word[i] * rng.randint(3, 6) + word[i + 1:]


@register_attack
class CaseChanges(_PerWord):
    name = "case_changes"
    family = "character"
    description = "randomise letter case (kill -> KiLl)"

    def word(self, word: str, rng: random.Random) -> str:
        out = "".join(ch.upper() if rng.random() < 0.5 else ch.lower() for ch in word)
        return out if out != word else word.swapcase()
