"""Encoding attacks: the whole text is encoded; a reader (or an LLM) can still decode it."""

from __future__ import annotations

import base64
import codecs
import random

from flagstone.redteam.base import Attack, register_attack


class _Encoding(Attack):
    family = "encoding"
    # Encoded text is still harmful, but training an encoder on base64 teaches it noise; the defence
    # for these is decoding before scoring (flagstone.text.decode), not augmentation.
    label_preserving = False

    def __init__(self, instruction: bool = False) -> None:
        # With ``instruction`` the encoded text is preceded by a hint, as jailbreaks do.
        self.instruction = bool(instruction)

    def wrap(self, hint: str, body: str) -> str:
        return f"{hint}: {body}" if self.instruction else body


@register_attack
class Base64(_Encoding):
    name = "base64"
    description = "encode the text in base64"

    def apply(self, text: str, rng: random.Random) -> str:
        return self.wrap("Decode this base64", base64.b64encode(text.encode("utf-8")).decode("ascii"))


@register_attack
class Rot13(_Encoding):
    name = "rot13"
    description = "rotate letters by 13 places (ROT13)"

    def apply(self, text: str, rng: random.Random) -> str:
        return self.wrap("Decode this ROT13", codecs.encode(text, "rot_13"))


@register_attack
class Reversed(_Encoding):
    name = "reversed"
    description = "write the text backwards"

    def apply(self, text: str, rng: random.Random) -> str:
        return self.wrap("Read this backwards", text[::-1])


@register_attack
class SpelledOut(_Encoding):
    name = "spelled_out"
    description = "spell the text out letter by letter, words separated by ' / '"

    def apply(self, text: str, rng: random.Random) -> str:
        words = text.split()
        return self.wrap("Read the letters", " / ".join(" ".join(w) for w in words))
