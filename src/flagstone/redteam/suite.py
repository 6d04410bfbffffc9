"""Red-team suites are data: a YAML file naming attacks (with parameters) and chains of attacks.

    name: default
    description: every attack family once
    seed: 13            # random seed: the same suite on the same seeds gives the same attacked texts
    max_items: 400      # seed items used at most (a stable, seeded sample)
    max_chars: 2000     # optional: seed texts longer than this are left out
    samples: 1          # attacked variants per item and attack
    attacks:
      - attack: leetspeak
        params: {rate: 1.0}
      - name: leet_then_spacing
        chain: [{attack: leetspeak}, {attack: inner_spacing}]

Unknown attacks, bad parameters, duplicate names and malformed files are a :class:`ConfigError`.
"""

from __future__ import annotations

import dataclasses
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from flagstone.errors import ConfigError
from flagstone.redteam.base import Attack, Chain, make_attack
from flagstone.yamlfile import load_yaml_model

if TYPE_CHECKING:
    from flagstone.evaluation.labelled import LabelledSet

SUITES_DIR = Path(__file__).resolve().parent / "suites"
DEFAULT_SEEDS = "seeds.json"  # JSON Lines (the .json suffix is what the package-data glob ships)


def default_seeds() -> LabelledSet:
    """The shipped seed set (``redteam/data/seeds.json``): 22 hand-written positives over 10 categories
    and 14 benign texts, enough for a smoke check of a live endpoint when no ``--seeds`` are given."""
    from flagstone.evaluation.labelled import load_labelled

    with resources.as_file(resources.files("flagstone.redteam") / "data" / DEFAULT_SEEDS) as path:
        seeds = load_labelled(path)
    return dataclasses.replace(seeds, source=f"flagstone:redteam/data/{DEFAULT_SEEDS}")


class AttackSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    attack: str | None = None
    name: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    chain: list[AttackSpec] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> AttackSpec:
        if (self.attack is None) == (self.chain is None):
            raise ValueError("an entry has either 'attack' or 'chain'")
        if self.chain is not None and not self.name:
            raise ValueError("a chain needs a 'name'")
        return self

    def build(self) -> Attack:
        if self.chain is not None:
            return Chain(self.name or "chain", [s.build() for s in self.chain])
        attack = make_attack(self.attack or "", self.params)
        if self.name:
            attack.name = self.name  # type: ignore[misc]  # a suite may run one attack twice, named apart
        return attack


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    description: str = ""
    seed: int = 13
    max_items: int = Field(default=400, ge=1)
    max_chars: int | None = Field(default=None, ge=1)  # skip longer seed texts (long texts are slow to score)
    samples: int = Field(default=1, ge=1, le=20)
    attacks: list[AttackSpec] = Field(min_length=1)

    def build(self) -> list[Attack]:
        built = [spec.build() for spec in self.attacks]
        names = [a.name for a in built]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ConfigError(f"suite {self.name!r}: attack names used twice: {dupes} (give each a 'name')")
        return built


def available_suites() -> list[str]:
    return sorted(p.stem for p in SUITES_DIR.glob("*.yaml"))


def load_suite(name_or_path: str | Path) -> Suite:
    """Load a suite by file path, or by the name of a suite shipped in ``redteam/suites``."""
    p = Path(name_or_path)
    if not p.is_file():
        shipped = SUITES_DIR / f"{name_or_path}.yaml"
        if not shipped.is_file():
            raise ConfigError(f"suite not found: {name_or_path} (shipped suites: {', '.join(available_suites())})")
        p = shipped
    suite = load_yaml_model(p, Suite, what="suite file", expected="a mapping with name and attacks")
    suite.build()  # fail now on unknown attacks or bad parameters, not halfway through a run
    return suite
