"""Label-preserving perturbations of training rows, reusing the red-team attack transforms.

Only attacks that declare ``label_preserving`` and target positives are allowed (encodings and
jailbreak framings are not: the first teach an encoder noise, the second can change the label under
the policy). Benign rows are perturbed too, so the model does not learn "obfuscated means harmful".
A training recipe calls :func:`perturb_rows` with an :class:`AugmentSpec` read from its YAML.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, field_validator

from flagstone.augment.base import SyntheticItem
from flagstone.redteam.base import Attack, available_attacks, make_attack
from flagstone.text.normalize import text_key


def label_preserving_attacks() -> list[str]:
    return [n for n, cls in available_attacks().items() if cls.label_preserving and cls.targets == "positive"]


class AugmentSpec(BaseModel):
    """The ``augment:`` block of a training recipe."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    attacks: list[str] = Field(default_factory=lambda: [
        "leetspeak", "homoglyphs", "zero_width", "diacritics", "inner_spacing", "inner_punctuation",
        "repeated_letters", "case_changes", "typos", "word_split", "euphemisms"])
    fraction: float = Field(default=0.3, gt=0, le=1)  # share of rows that get perturbed copies
    copies: int = Field(default=1, ge=1, le=10)  # perturbed copies per chosen row
    seed: int = 0
    params: dict[str, dict] = Field(default_factory=dict)  # per-attack parameters

    @field_validator("attacks")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        allowed = label_preserving_attacks()
        bad = [a for a in v if a not in allowed]
        if bad:
            raise ValueError(f"not label-preserving attacks: {bad}; allowed: {allowed}")
        if not v:
            raise ValueError("give at least one attack")
        return v

    def build(self) -> list[Attack]:
        return [make_attack(a, self.params.get(a)) for a in self.attacks]


def perturb_rows(rows: Sequence[tuple[str, dict[str, int]]], spec: AugmentSpec) -> list[SyntheticItem]:
    """Perturbed copies of a seeded share of ``rows`` (text, labels); labels are carried over unchanged."""
    attacks = spec.build()
    rng = random.Random(spec.seed)
    out: list[SyntheticItem] = []
    for text, labels in rows:
        if not text.strip() or rng.random() >= spec.fraction:
            continue
        for _ in range(spec.copies):
            attack = rng.choice(attacks)
            new = attack.apply(text, rng)
            if new == text:
                continue
            out.append(SyntheticItem(text=new, labels=dict(labels), origin=f"perturb:{attack.name}",
                                     meta={"parent_key": text_key(text), "attack": attack.name}))
    return out
