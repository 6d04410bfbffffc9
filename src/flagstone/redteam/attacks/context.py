"""Context attacks: harmful text wrapped in jailbreak framings, or diluted inside long benign text.

Framings come from the public GPTFuzzer jailbreak templates (MIT; attribution and licence in
``redteam/data/framings.yaml``) and a few written for this project.
"""

from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path

import yaml

from flagstone.errors import ConfigError
from flagstone.redteam.attacks.word import load_wordlist
from flagstone.redteam.base import Attack, register_attack

FRAMINGS_FILE = Path(__file__).resolve().parents[1] / "data" / "framings.yaml"


@lru_cache(maxsize=1)
def load_framings() -> dict[str, list[str]]:
    """Templates grouped by framing (fiction, hypothetical, roleplay, quotation); each has ``{text}``."""
    try:
        doc = yaml.safe_load(FRAMINGS_FILE.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{FRAMINGS_FILE}: cannot read framings: {exc}") from exc
    out: dict[str, list[str]] = {}
    for entry in doc.get("framings", []):
        template = entry["template"]
        if "{text}" not in template:
            raise ConfigError(f"{FRAMINGS_FILE}: framing {entry.get('id')!r} has no {{text}} slot")
        out.setdefault(entry["framing"], []).append(template)
    return out


class _Framing(Attack):
    family = "context"
    # The policy excludes text "clearly framed as fiction" for some categories: a framing can change
    # the label, so framed texts are not used as label-preserving training augmentation.
    label_preserving = False
    framing: str

    def apply(self, text: str, rng: random.Random) -> str:
        templates = load_framings().get(self.framing)
        if not templates:
            raise ConfigError(f"no {self.framing!r} framings in {FRAMINGS_FILE}")
        return rng.choice(templates).replace("{text}", text)


@register_attack
class FramingFiction(_Framing):
    name = "framing_fiction"
    framing = "fiction"
    description = "wrap the text in a fictional scene (villain monologue, story, film scene)"


@register_attack
class FramingHypothetical(_Framing):
    name = "framing_hypothetical"
    framing = "hypothetical"
    description = "wrap the text in a hypothetical or 'no rules' scenario"


@register_attack
class FramingRoleplay(_Framing):
    name = "framing_roleplay"
    framing = "roleplay"
    description = "wrap the text in a role-play jailbreak persona (DAN-style)"


@register_attack
class FramingQuotation(_Framing):
    name = "framing_quotation"
    framing = "quotation"
    description = "present the text as a quotation to translate or comment on"


@register_attack
class Dilution(Attack):
    name = "dilution"
    family = "context"
    description = "hide the text among many harmless sentences"

    def __init__(self, sentences: int = 12) -> None:
        if sentences < 1:
            raise ValueError("sentences must be at least 1")
        self.sentences = int(sentences)

    def apply(self, text: str, rng: random.Random) -> str:
        pool = load_wordlist("benign_filler")["sentences"]
        filler = [rng.choice(pool) for _ in range(self.sentences)]
        filler.insert(rng.randint(0, len(filler)), text)
        return " ".join(filler)
