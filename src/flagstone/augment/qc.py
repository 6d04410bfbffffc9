"""Dedup and quality checks every synthetic item passes before training.

Checks, in order (the first failure is the reason recorded):

``empty``          no letters after normalisation
``length``         shorter than ``min_chars`` or longer than ``max_chars``
``unfilled_slot``  a template slot such as ``{target}`` left in the text
``refusal``        an LLM refusal or meta-comment instead of an example ("I'm sorry, I can't ...")
``no_labels``      no known label
``leak``           the text is one of the policy's own examples (they stay for evaluation/few-shot)
``duplicate``      the same normalised text as an existing training row or an earlier item
``near_duplicate`` word 3-gram Jaccard similarity >= ``near_dup`` with an earlier kept item of the same origin kind
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from flagstone.augment.base import SyntheticItem
from flagstone.text.normalize import normalize, text_key

_SLOT = re.compile(r"\{[a-z_]+\}")
_REFUSAL = re.compile(r"^\s*(i'?m sorry|i am sorry|i can(?:'|no)t|i cannot|as an ai|i won'?t|sorry, but|"
                      r"here (?:are|is) (?:some|a few|\d+)|note:)", re.IGNORECASE)


@dataclass(frozen=True)
class QCResult:
    kept: list[SyntheticItem]
    rejected: list[tuple[SyntheticItem, str]] = field(default_factory=list)

    def reasons(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for _, r in self.rejected:
            out[r] = out.get(r, 0) + 1
        return out


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", normalize(text).casefold())
    return {tuple(words[i:i + 3]) for i in range(max(len(words) - 2, 1))}


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def check_items(items: Iterable[SyntheticItem], *, existing: Iterable[str] = (), policy_examples: Iterable[str] = (),
                min_chars: int = 8, max_chars: int = 2000, near_dup: float = 0.8) -> QCResult:
    """Keep the items that pass every check; ``existing`` are texts already in the training data."""
    seen = {text_key(t) for t in existing}
    leaks = {text_key(t) for t in policy_examples}
    kept: list[SyntheticItem] = []
    shingles: dict[str, list[set]] = {}
    rejected: list[tuple[SyntheticItem, str]] = []
    for it in items:
        norm = normalize(it.text)
        kind = it.origin.split(":", 1)[0]
        sh = _shingles(it.text)
        if not any(ch.isalpha() for ch in norm):
            reason = "empty"
        elif not min_chars <= len(norm) <= max_chars:
            reason = "length"
        elif _SLOT.search(it.text):
            reason = "unfilled_slot"
        elif _REFUSAL.search(it.text):
            reason = "refusal"
        elif not it.labels:
            reason = "no_labels"
        elif text_key(it.text) in leaks:
            reason = "leak"
        elif text_key(it.text) in seen:
            reason = "duplicate"
        elif any(_jaccard(sh, other) >= near_dup for other in shingles.get(kind, ())):
            reason = "near_duplicate"
        else:
            reason = ""
        if reason:
            rejected.append((it, reason))
            continue
        seen.add(text_key(it.text))
        shingles.setdefault(kind, []).append(sh)
        kept.append(it)
    return QCResult(kept=kept, rejected=rejected)
