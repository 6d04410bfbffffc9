"""The 13 categories of the OpenAI moderation taxonomy, in OpenAI's response order."""

from __future__ import annotations

import numpy as np

CATEGORIES: tuple[str, ...] = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)

CATEGORY_INDEX: dict[str, int] = {c: i for i, c in enumerate(CATEGORIES)}

# A sub-category implies its parent (the policy's rule: a text flagged harassment/threatening is also
# harassment); the parent is the name before the slash.
PARENT: dict[str, str] = {c: c.split("/", 1)[0] for c in CATEGORIES if "/" in c}


def with_parents(flags: np.ndarray) -> np.ndarray:
    """Flags (n, 13) in CATEGORIES order with every flagged sub-category's parent flagged too.

    Each category's threshold is chosen on its own, so a text can reach sexual/minors' threshold and not
    sexual's; a response that says so would contradict the policy. Flags are only ever added: the
    overall ``flagged`` (any category) is the same with or without this rule.
    """
    out = np.array(flags, dtype=bool, copy=True)
    for child, parent in PARENT.items():
        out[:, CATEGORY_INDEX[parent]] |= out[:, CATEGORY_INDEX[child]]
    return out


def flag_matrix(scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """The flags of score rows (n, 13) at per-category thresholds (13,), sub-categories implying parents:
    the one rule that serving, batch scoring and evaluation share."""
    return with_parents(np.asarray(scores, dtype=np.float64) >= np.asarray(thresholds, dtype=np.float64))

# The 8-letter keys of OpenAI's public moderation evaluation set (Markov et al. 2022).
OPENAI_SHORT_KEYS: dict[str, str] = {
    "S": "sexual",
    "H": "hate",
    "V": "violence",
    "HR": "harassment",
    "SH": "self-harm",
    "S3": "sexual/minors",
    "H2": "hate/threatening",
    "V2": "violence/graphic",
}

INPUT_TYPES: tuple[str, ...] = ("text", "image")
