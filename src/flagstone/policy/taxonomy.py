"""The 13 categories of the OpenAI moderation taxonomy, in OpenAI's response order."""

from __future__ import annotations

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
