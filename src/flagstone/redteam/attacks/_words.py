"""Shared helpers: pick words of a text and rewrite them, always changing at least one."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

WORD = re.compile(r"[A-Za-z]+")


def check_rate(rate: float) -> float:
    if not 0.0 < rate <= 1.0:
        raise ValueError(f"rate must be in (0, 1], got {rate}")
    return float(rate)


def map_words(text: str, fn: Callable[[str, random.Random], str], rng: random.Random, *,
              rate: float, min_len: int = 3) -> str:
    """Rewrite each word of at least ``min_len`` letters with probability ``rate``.

    When the dice pick none, the longest word is rewritten, so an attack never silently does nothing
    on a text that has a word to attack.
    """
    matches = [m for m in WORD.finditer(text) if len(m.group(0)) >= min_len]
    if not matches:
        return text
    chosen = {i for i in range(len(matches)) if rng.random() < rate}
    if not chosen:
        chosen = {max(range(len(matches)), key=lambda i: len(matches[i].group(0)))}
    out, last = [], 0
    for i, m in enumerate(matches):
        if i in chosen:
            out.append(text[last:m.start()])
            out.append(fn(m.group(0), rng))
            last = m.end()
    out.append(text[last:])
    return "".join(out)
