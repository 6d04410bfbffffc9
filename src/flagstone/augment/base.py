"""The one extension point of augmentation: a :class:`Generator` makes :class:`SyntheticItem` rows.

A synthetic item is a training row (``text`` + ``labels`` over our 13 category names; an absent
category is unknown) tagged with how it was made: ``origin`` is ``perturb:<attack>``,
``template:<id>`` or ``llm:<model>``, and ``meta`` holds the rest (parent item, policy behaviour,
policy hash). Files are JSONL in the same shape the evaluation and training loaders read.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from flagstone.errors import DataError
from flagstone.policy.taxonomy import CATEGORIES


@dataclass(frozen=True)
class SyntheticItem:
    text: str
    labels: dict[str, int]
    origin: str
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        bad = {c: v for c, v in self.labels.items() if c not in CATEGORIES or v not in (0, 1)}
        if bad:
            raise DataError(f"synthetic item {self.origin}: labels must be 0/1 over the 13 categories, got {bad}")
        if not self.origin or ":" not in self.origin:
            raise DataError(f"synthetic item origin must be 'kind:detail', got {self.origin!r}")

    def to_json(self) -> dict:
        return {"text": self.text, "labels": dict(self.labels), "origin": self.origin, "meta": dict(self.meta)}


@runtime_checkable
class Generator(Protocol):
    """Anything that makes synthetic items for the given categories."""

    def generate(self, categories: list[str], n: int, rng: random.Random) -> list[SyntheticItem]:
        """About ``n`` items per category (fewer when a source runs out), deterministic given ``rng``."""
        ...


def write_items(items: Iterable[SyntheticItem], path: str | Path) -> int:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with p.open("w", encoding="utf-8") as fh:
        for it in items:
            fh.write(json.dumps(it.to_json(), ensure_ascii=False) + "\n")
            n += 1
    return n


def read_items(path: str | Path) -> list[SyntheticItem]:
    """Read items written by :func:`write_items`; a malformed row is a :class:`DataError` naming it."""
    p = Path(path)
    if not p.is_file():
        raise DataError("file not found", file=str(p))
    out = []
    for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            out.append(SyntheticItem(text=obj["text"], labels=obj["labels"], origin=obj["origin"],
                                     meta=obj.get("meta", {})))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise DataError(f"not a synthetic item: {exc}", file=str(p), row=i) from exc
    return out
