"""Template generation for the categories with the least data, written from the policy.

``augment/data/templates.yaml`` has one block per behaviour the policy names: positives per
``include`` and hard negatives per ``exclude`` (indices into the category's lists in the policy).
The generator fills ``{slot}`` placeholders from word lists and tags every item with the category,
the behaviour's text and the policy's hash, so a policy edit that moves a behaviour is caught
(:func:`check_templates`) instead of silently mislabelling data.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from flagstone.augment.base import SyntheticItem
from flagstone.errors import ConfigError
from flagstone.policy.schema import Policy
from flagstone.yamlfile import read_yaml_mapping

TEMPLATES_FILE = Path(__file__).resolve().parent / "data" / "templates.yaml"
_SLOT = re.compile(r"\{([a-z_]+)\}")


def load_templates(path: str | Path = TEMPLATES_FILE) -> dict:
    doc = read_yaml_mapping(path, what="templates file", expected="'slots' and 'categories' mappings")
    if not isinstance(doc.get("categories"), dict) or not isinstance(doc.get("slots"), dict):
        raise ConfigError("expected 'slots' and 'categories' mappings", file=str(path))
    return doc


def check_templates(doc: dict, policy: Policy) -> None:
    """Every block names an existing behaviour and every slot has words; raise ConfigError if not."""
    slots = doc["slots"]
    for cat, spec in doc["categories"].items():
        if cat not in policy.categories:
            raise ConfigError(f"templates: unknown category {cat!r}")
        cp = policy.categories[cat]
        for kind, key, lst in (("positives", "include", cp.includes), ("negatives", "exclude", cp.excludes)):
            for block in spec.get(kind) or []:
                idx = block.get(key)
                if not isinstance(idx, int) or not 0 <= idx < len(lst):
                    raise ConfigError(f"templates: {cat} {kind}: {key} {idx!r} is not a behaviour of the policy "
                                      f"(it has {len(lst)})")
                for t in block.get("templates") or []:
                    missing = [s for s in _SLOT.findall(t) if s not in slots]
                    if missing:
                        raise ConfigError(f"templates: {cat}: slot(s) {missing} have no word list: {t!r}")


def _fill(template: str, slots: dict[str, list[str]], rng: random.Random) -> str:
    text = _SLOT.sub(lambda m: str(rng.choice(slots[m.group(1)])), template)
    return text[0].upper() + text[1:] if text else text


class TemplateGenerator:
    """Fills the policy-derived templates; ``n`` items per category, positives and negatives alternating."""

    def __init__(self, policy: Policy, *, path: str | Path = TEMPLATES_FILE, negative_share: float = 0.3) -> None:
        if not 0 <= negative_share <= 1:
            raise ConfigError("negative_share must be within [0, 1]")
        self.policy, self.doc, self.negative_share = policy, load_templates(path), negative_share
        check_templates(self.doc, policy)
        self.policy_hash = policy.content_hash()

    @property
    def categories(self) -> list[str]:
        return list(self.doc["categories"])

    def generate(self, categories: list[str], n: int, rng: random.Random) -> list[SyntheticItem]:
        unknown = [c for c in categories if c not in self.doc["categories"]]
        if unknown:
            raise ConfigError(f"no templates for {unknown}; templates exist for {self.categories}")
        out: list[SyntheticItem] = []
        for cat in categories:
            spec = self.doc["categories"][cat]
            pools = {"positive": [(b, t) for b in spec.get("positives") or [] for t in b["templates"]],
                     "negative": [(b, t) for b in spec.get("negatives") or [] for t in b["templates"]]}
            for _ in range(n):
                kind = "negative" if (rng.random() < self.negative_share or not pools["positive"]) else "positive"
                if not pools[kind]:
                    continue
                block, template = rng.choice(pools[kind])
                key, lst = (("include", self.policy.categories[cat].includes) if kind == "positive"
                            else ("exclude", self.policy.categories[cat].excludes))
                labels = spec["positive_labels"] if kind == "positive" else spec["negative_labels"]
                out.append(SyntheticItem(
                    text=_fill(template, self.doc["slots"], rng), labels={k: int(v) for k, v in labels.items()},
                    origin=f"template:{cat}/{key}{block[key]}",
                    meta={"category": cat, "kind": kind, "behaviour": lst[block[key]], "template": template,
                          "policy_hash": self.policy_hash}))
        return out
