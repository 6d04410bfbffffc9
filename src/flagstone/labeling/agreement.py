"""LLM-versus-human agreement per category, and the disagreements that point at unclear policy wording.

Inputs are plain mappings ``item key -> {category: bool}`` (one label set per annotator group), so
the maths is tested on its own and any store can feed it. Only items labelled by both sides count;
a category missing from one side's label for an item is unknown there, not false.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

Labels = Mapping[str, Mapping[str, bool]]


@dataclass(frozen=True)
class Disagreement:
    item_key: str
    category: str
    llm: bool
    human: bool
    rationale: str = ""


@dataclass(frozen=True)
class CategoryAgreement:
    category: str
    n: int  # items both sides labelled for this category
    both_positive: int
    llm_only: int  # LLM says yes, people say no
    human_only: int
    both_negative: int

    @property
    def agreement(self) -> float | None:
        return (self.both_positive + self.both_negative) / self.n if self.n else None

    @property
    def kappa(self) -> float | None:
        """Cohen's kappa; ``None`` when undefined (no items, or both sides constant and equal)."""
        if not self.n:
            return None
        po = (self.both_positive + self.both_negative) / self.n
        p_llm = (self.both_positive + self.llm_only) / self.n
        p_hum = (self.both_positive + self.human_only) / self.n
        pe = p_llm * p_hum + (1 - p_llm) * (1 - p_hum)
        return None if pe >= 1.0 else (po - pe) / (1 - pe)


@dataclass(frozen=True)
class AgreementReport:
    categories: list[CategoryAgreement]
    disagreements: list[Disagreement] = field(default_factory=list)
    n_items: int = 0


def compare(llm: Labels, human: Labels, *, categories: list[str] | tuple[str, ...],
            rationales: Mapping[tuple[str, str], str] | None = None) -> AgreementReport:
    """Compare label sets on the items both have; ``rationales[(key, category)]`` annotates disagreements."""
    shared = sorted(set(llm) & set(human))
    rows, disagreements = [], []
    for cat in categories:
        tp = lo = ho = tn = 0
        for key in shared:
            a, b = llm[key].get(cat), human[key].get(cat)
            if a is None or b is None:
                continue
            if a and b:
                tp += 1
            elif a:
                lo += 1
            elif b:
                ho += 1
            else:
                tn += 1
            if a != b:
                why = (rationales or {}).get((key, cat), "")
                disagreements.append(Disagreement(key, cat, bool(a), bool(b), why))
        rows.append(CategoryAgreement(cat, tp + lo + ho + tn, tp, lo, ho, tn))
    return AgreementReport(rows, disagreements, len(shared))
