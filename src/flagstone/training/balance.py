"""Identity-mention balance: training weights under which naming a group says nothing about the label
(recipe ``identity_balance:``).

In the mapped public data, a row that names a group (Muslims, trans people, immigrants, ...) is hate
about half the time, against about a fifth of the rows that name none: hate-speech corpora were
collected by searching for group names, and their benign rows rarely name one. The heads learn the
shortcut, and "I don't hate Jewish people." or "Gay people deserve equal rights." score as hate
(issue 17; benchmarks/results/model_v2.md, ninth session).

The fix here is reweighing (Kamiran & Calders, 2012): for each balanced category, each cell of
(names a group, label) gets the weight that makes the two independent in the weighted training split,
``P(g) P(y) / P(g, y)``, computed on the rows' existing weights (in-domain weights and composites
included), raised to ``strength`` (0 = off, 1 = fully independent). Rows whose label for that category
is unknown keep their weight. With several categories a row takes the product. Calibration rows are
untouched: the calibrators and thresholds still see the data as it is.

The term list is about *who* is named, not how: group nouns and adjectives for the characteristics the
policy protects (race, ethnicity, nationality, religion, sex and gender, gender identity, sexual
orientation, disability). Slurs are not in it: a slur is not a neutral mention.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX

log = logging.getLogger(__name__)

IDENTITY_TERMS: tuple[str, ...] = (
    # race and ethnicity
    "black people", "black men", "black women", "black folks", "blacks", "white people", "whites", "asian", "asians", "african", "africans", "african american",
    "african americans", "latino", "latinos", "latina", "latinas", "latinx", "hispanic", "hispanics",
    "arab", "arabs", "indigenous", "native american", "native americans", "aboriginal", "roma", "romani",
    "gypsy", "gypsies", "jewish", "jew", "jews", "chinese", "mexican", "mexicans", "indian", "indians",
    "pakistani", "pakistanis", "somali", "somalis", "nigerian", "nigerians", "korean", "koreans",
    "japanese", "filipino", "filipinos", "vietnamese", "irish", "polish", "russian", "russians",
    "middle eastern", "people of color", "poc",
    # nationality and migration
    "immigrant", "immigrants", "migrant", "migrants", "refugee", "refugees", "asylum seeker",
    "asylum seekers", "foreigner", "foreigners",
    # religion
    "muslim", "muslims", "islam", "islamic", "christian", "christians", "christianity", "catholic",
    "catholics", "hindu", "hindus", "sikh", "sikhs", "buddhist", "buddhists", "atheist", "atheists",
    "judaism",
    # sex, gender, gender identity, sexual orientation
    "women", "woman", "girls", "men", "feminist", "feminists", "gay", "gays", "lesbian", "lesbians",
    "bisexual", "bisexuals", "queer", "trans", "transgender", "transgenders", "nonbinary", "non-binary",
    "lgbt", "lgbtq", "lgbtq+", "homosexual", "homosexuals", "intersex",
    # disability
    "disabled", "disability", "disabilities", "autistic", "deaf people", "blind people", "wheelchair users",
    "mentally ill",
)


def identity_pattern(terms: Sequence[str] = IDENTITY_TERMS) -> re.Pattern[str]:
    """A case-insensitive whole-word pattern for any of ``terms`` (longest first, so phrases win)."""
    alts = sorted({t.strip().lower() for t in terms if t.strip()}, key=len, reverse=True)
    return re.compile(r"(?<![\w])(?:" + "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in alts) + r")(?![\w])",
                      re.IGNORECASE)


def names_group(texts: Sequence[str], pattern: re.Pattern[str] | None = None) -> np.ndarray:
    pat = pattern or identity_pattern()
    return np.array([bool(pat.search(t)) for t in texts], dtype=bool)


class IdentityBalanceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    categories: list[str] = Field(default_factory=lambda: ["hate"], min_length=1)
    strength: float = Field(default=1.0, ge=0.0, le=1.0)
    # Extra terms on top of IDENTITY_TERMS (lower-case words or phrases).
    extra_terms: list[str] = Field(default_factory=list)

    @field_validator("categories")
    @classmethod
    def _cats(cls, v: list[str]) -> list[str]:
        bad = sorted(set(v) - set(CATEGORIES))
        if bad:
            raise ValueError(f"unknown categories {bad}; the taxonomy is {list(CATEGORIES)}")
        return v


def balance_weights(texts: Sequence[str], labels: np.ndarray, weights: np.ndarray, calib: np.ndarray,
                    spec: IdentityBalanceSpec) -> tuple[np.ndarray, dict]:
    """``weights`` times the reweighing factor of each training row (calibration rows unchanged), and a
    report of the cells (weighted label rates with and without a group, factor per cell)."""
    w = np.asarray(weights, dtype=np.float64).copy()
    if spec.strength == 0:
        return w, {}
    group = names_group(texts, identity_pattern(IDENTITY_TERMS + tuple(spec.extra_terms)))
    train = ~np.asarray(calib, dtype=bool)
    factor = np.ones(len(w))
    report: dict = {"rows_naming_a_group": int((group & train).sum())}
    for cat in spec.categories:
        y = np.asarray(labels)[:, CATEGORY_INDEX[cat]]
        known = train & (y >= 0)
        total = w[known].sum()
        if total <= 0:
            continue
        cells = {}
        for g in (False, True):
            for pos in (0, 1):
                cell = known & (group == g) & (y == pos)
                p_g = w[known & (group == g)].sum() / total
                p_y = w[known & (y == pos)].sum() / total
                p_gy = w[cell].sum() / total
                f = (p_g * p_y / p_gy) ** spec.strength if p_gy > 0 else 1.0
                factor[cell] *= f
                cells[f"{'group' if g else 'no_group'}/{pos}"] = {"rows": int(cell.sum()), "factor": round(f, 4)}
        rates = {k: float(w[known & (group == g) & (y == 1)].sum() / max(w[known & (group == g)].sum(), 1e-12))
                 for k, g in (("rate_no_group", False), ("rate_group", True))}
        report[cat] = {"cells": cells, **{k: round(v, 4) for k, v in rates.items()}}
        log.info("identity balance %s: positive rate %.3f without a group, %.3f with one; factors %s", cat,
                 rates["rate_no_group"], rates["rate_group"], {k: v["factor"] for k, v in cells.items()})
    return w * factor, report
