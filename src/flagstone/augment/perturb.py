"""Label-preserving perturbations of training rows, reusing the red-team attack transforms.

Only attacks that declare ``label_preserving`` and target positives are allowed (encodings and
jailbreak framings are not: the first teach an encoder noise, the second can change the label under
the policy). Benign rows are perturbed too, so the model does not learn "obfuscated means harmful".
A training recipe's ``augment:`` block is an :class:`AugmentSpec`; ``flagstone train`` applies it to
the training split through :func:`flagstone.training.augment.augment_training`.

Each row draws from its own random stream, seeded by ``(seed, text key)``: whether a row is chosen and
how it is perturbed do not depend on the other rows or their order, so adding a source does not
reshuffle the copies of every other row.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from flagstone.augment.base import SyntheticItem
from flagstone.errors import ConfigError
from flagstone.redteam.base import Attack, available_attacks, make_attack
from flagstone.text.normalize import text_key

DEFAULT_ATTACKS = ("leetspeak", "homoglyphs", "zero_width", "diacritics", "inner_spacing", "inner_punctuation",
                   "repeated_letters", "case_changes", "typos", "word_split", "euphemisms")


def label_preserving_attacks(family: str | None = None) -> list[str]:
    return [n for n, cls in available_attacks().items() if cls.label_preserving and cls.targets == "positive"
            and (family is None or cls.family == family)]


def label_preserving_families() -> list[str]:
    return sorted({available_attacks()[n].family for n in label_preserving_attacks()})


class AugmentSpec(BaseModel):
    """The ``augment:`` block of a training recipe.

    ``families`` adds every label-preserving attack of those red-team families to ``attacks``; with
    neither given the default mix is used. ``fraction`` is the share of rows with no positive label that
    get ``copies`` perturbed copies, ``positive_fraction`` (default: ``fraction``) the share of rows with
    at least one positive label.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    families: list[str] = Field(default_factory=list)
    attacks: list[str] = Field(default_factory=lambda: list(DEFAULT_ATTACKS))
    fraction: float = Field(default=0.3, ge=0, le=1)
    positive_fraction: float | None = Field(default=None, ge=0, le=1)
    copies: int = Field(default=1, ge=1, le=10)  # perturbed copies per chosen row
    seed: int = 0
    params: dict[str, dict[str, Any]] = Field(default_factory=dict)  # per-attack parameters

    @model_validator(mode="before")
    @classmethod
    def _expand_families(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not data.get("families"):
            return data
        families = data["families"]
        if not isinstance(families, list):
            return data  # the field validator reports the type error
        known = label_preserving_families()
        bad = [f for f in families if f not in known]
        if bad:
            raise ValueError(f"no label-preserving attacks in families {bad}; families with some: {known}")
        named = list(data.get("attacks") or [])
        expanded = [a for f in families for a in label_preserving_attacks(f)]
        return {**data, "attacks": list(dict.fromkeys([*named, *expanded]))}

    @field_validator("attacks")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        allowed = label_preserving_attacks()
        bad = [a for a in v if a not in allowed]
        if bad:
            raise ValueError(f"not label-preserving attacks: {bad}; allowed: {allowed}")
        if not v:
            raise ValueError("give at least one attack")
        if len(set(v)) != len(v):
            raise ValueError(f"attacks listed twice: {sorted({a for a in v if v.count(a) > 1})}")
        return v

    @model_validator(mode="after")
    def _params_for_listed(self) -> AugmentSpec:
        extra = sorted(set(self.params) - set(self.attacks))
        if extra:
            raise ValueError(f"params given for attacks not in the list: {extra}; the list is {self.attacks}")
        if self.fraction == 0 and not self.positive_fraction:
            raise ValueError("fraction and positive_fraction are both 0: nothing would be perturbed")
        try:
            self.build()  # bad attack parameters fail here, when the recipe is loaded, not mid-training
        except ConfigError as exc:
            raise ValueError(exc.message) from exc
        return self

    def build(self) -> list[Attack]:
        return [make_attack(a, self.params.get(a)) for a in self.attacks]


def perturb_rows(rows: Sequence[tuple[str, dict[str, int]]], spec: AugmentSpec) -> list[SyntheticItem]:
    """Perturbed copies of a seeded share of ``rows`` (text, labels); labels are carried over unchanged."""
    attacks = spec.build()
    pos_fraction = spec.fraction if spec.positive_fraction is None else spec.positive_fraction
    out: list[SyntheticItem] = []
    for text, labels in rows:
        if not text.strip():
            continue
        key = text_key(text)
        rng = random.Random(f"{spec.seed}:{key}")
        share = pos_fraction if any(v == 1 for v in labels.values()) else spec.fraction
        if rng.random() >= share:
            continue
        for _ in range(spec.copies):
            attack = rng.choice(attacks)
            new = attack.apply(text, rng)
            if new == text:
                continue
            out.append(SyntheticItem(text=new, labels=dict(labels), origin=f"perturb:{attack.name}",
                                     meta={"parent_key": key, "attack": attack.name}))
    return out
