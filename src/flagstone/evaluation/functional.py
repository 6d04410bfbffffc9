"""Functional test suites: items with expected flags, grouped in failure classes, each class gated alone.

A functional item (one JSON line) says what a correct model does with one text::

    {"id": "negation-003", "class": "negation", "lang": "en", "text": "I don't hate immigrants.",
     "must_flag_any": [], "must_not_flag": ["hate", "harassment"]}

``must_flag_any``: at least one of these categories must be flagged (empty: nothing is required);
``must_not_flag``: none of these may be flagged (``"*"`` stands for all 13). An item is *right* when
both hold at the model's own thresholds. Each class's accuracy is compared with its minimum (a
suite-wide ``min_accuracy``, overridable per class); a class below it fails the gate unless the
suite marks the set report-only (``gate: false``). Texts are read as the server reads them
(``text.controls.clean_controls``), so the control-character class measures what a client gets.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from flagstone.errors import ConfigError
from flagstone.evaluation.report import score_all
from flagstone.models.base import Moderator
from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX, flag_matrix
from flagstone.text.controls import clean_controls


def _categories(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        if v == "*":
            out.extend(CATEGORIES)
        elif v in CATEGORY_INDEX:
            out.append(v)
        else:
            raise ValueError(f"unknown category {v!r}; use '*' or one of {list(CATEGORIES)}")
    return list(dict.fromkeys(out))


class FunctionalItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    id: str = Field(min_length=1)
    cls: str = Field(alias="class", min_length=1)
    text: str
    lang: str = "en"
    must_flag_any: list[str] = Field(default_factory=list)
    must_not_flag: list[str] = Field(default_factory=list)
    note: str | None = None

    @field_validator("must_flag_any", "must_not_flag")
    @classmethod
    def _cats(cls, v: list[str]) -> list[str]:
        return _categories(v)

    @model_validator(mode="after")
    def _consistent(self) -> FunctionalItem:
        if not self.must_flag_any and not self.must_not_flag:
            raise ValueError("an item must expect something: must_flag_any or must_not_flag")
        if both := set(self.must_flag_any) & set(self.must_not_flag):
            raise ValueError(f"categories both required and forbidden: {sorted(both)}")
        return self

    @property
    def positive(self) -> bool:
        return bool(self.must_flag_any)


def load_items(path: str | Path) -> list[FunctionalItem]:
    """Read and validate a functional JSONL file; errors name the file and line."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"functional suite file not found: {p}")
    items: list[FunctionalItem] = []
    with p.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                items.append(FunctionalItem.model_validate(json.loads(line)))
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{p}:{n}: invalid JSON: {exc.msg}") from exc
            except ValidationError as exc:
                err = exc.errors()[0]
                where = ".".join(map(str, err["loc"])) or "(line)"
                raise ConfigError(f"{p}:{n}: {where}: {err['msg']}") from exc
    ids = [i.id for i in items]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise ConfigError(f"{p}: item id {dup!r} appears more than once")
    if not items:
        raise ConfigError(f"{p}: no items")
    return items


@dataclass(frozen=True)
class ClassRow:
    cls: str
    n: int
    right: int
    positives: int  # items that must be flagged
    caught: int  # of those, flagged as required (recall; a forbidden flag besides still makes the item wrong)
    negatives: int  # items with nothing required, only forbidden flags
    clean: int  # of those, with no forbidden flag
    min_accuracy: float
    gated: bool

    @property
    def accuracy(self) -> float:
        return self.right / self.n

    @property
    def passed(self) -> bool:
        return self.accuracy >= self.min_accuracy

    def to_dict(self) -> dict:
        return {"class": self.cls, "n": self.n, "right": self.right, "accuracy": self.accuracy,
                "positives": self.positives, "caught": self.caught, "negatives": self.negatives,
                "clean": self.clean, "min_accuracy": self.min_accuracy, "gated": self.gated,
                "passed": self.passed}


def judge_items(items: list[FunctionalItem], scores: np.ndarray,
                thresholds: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Per item, at these thresholds (scores: (n, 13) in CATEGORIES order), with the flags as served (to_results):
    ``hits``, one of ``must_flag_any`` is flagged (true where nothing is required), and ``correct``, a hit with
    nothing of ``must_not_flag`` flagged."""
    flags = flag_matrix(scores, np.array([thresholds[c] for c in CATEGORIES]))
    hits = np.array([not it.must_flag_any or any(flags[i, CATEGORY_INDEX[c]] for c in it.must_flag_any)
                     for i, it in enumerate(items)], dtype=bool)
    correct = np.array([hits[i] and not any(flags[i, CATEGORY_INDEX[c]] for c in it.must_not_flag)
                        for i, it in enumerate(items)], dtype=bool)
    return hits, correct


def item_hits(items: list[FunctionalItem], scores: np.ndarray, thresholds: dict[str, float]) -> np.ndarray:
    """Per item: at least one of ``must_flag_any`` is flagged (see :func:`judge_items`)."""
    return judge_items(items, scores, thresholds)[0]


def item_correct(items: list[FunctionalItem], scores: np.ndarray, thresholds: dict[str, float]) -> np.ndarray:
    """Per item: every expectation holds at these thresholds (see :func:`judge_items`)."""
    return judge_items(items, scores, thresholds)[1]


def class_rows(items: list[FunctionalItem], correct: np.ndarray, *, min_accuracy: float,
               class_min: dict[str, float] | None = None, gate: bool = True,
               hits: np.ndarray | None = None) -> list[ClassRow]:
    """One row per class, in the order classes first appear in the file. ``caught`` counts the positives flagged as
    required (``hits``: recall, even where a forbidden category is flagged too, as a threat also flagged self-harm);
    ``right`` counts the items whose every expectation holds."""
    hits = correct if hits is None else hits
    class_min = class_min or {}
    rows = []
    for cls in dict.fromkeys(it.cls for it in items):
        idx = [i for i, it in enumerate(items) if it.cls == cls]
        pos = [i for i in idx if items[i].positive]
        neg = [i for i in idx if not items[i].positive]
        rows.append(ClassRow(cls, len(idx), int(correct[idx].sum()), len(pos), int(hits[pos].sum()),
                             len(neg), int(correct[neg].sum()), class_min.get(cls, min_accuracy), gate))
    return rows


@dataclass
class FunctionalResult:
    name: str
    items: list[FunctionalItem]
    scores: np.ndarray
    correct: np.ndarray
    rows: list[ClassRow]
    hits: np.ndarray | None = None  # per item: a required category flagged (see class_rows)

    @property
    def failures(self) -> list[ClassRow]:
        """Gated classes below their minimum accuracy."""
        return [r for r in self.rows if r.gated and not r.passed]

    def row(self, cls: str) -> ClassRow:
        return next(r for r in self.rows if r.cls == cls)

    def to_dict(self) -> dict:
        return {"items": len(self.items), "passed": not self.failures, "classes": [r.to_dict() for r in self.rows],
                "wrong": [{"id": it.id, "class": it.cls, "text": it.text[:200]}
                          for it, ok in zip(self.items, self.correct, strict=True) if not ok]}


def run_functional(model: Moderator, items: list[FunctionalItem], *, name: str = "functional",
                   min_accuracy: float = 0.9, class_min: dict[str, float] | None = None, gate: bool = True,
                   max_chunks: int = 16, progress: Callable[[int], None] | None = None) -> FunctionalResult:
    """Score every item once, as the server would read it, and judge each class."""
    texts = [clean_controls(it.text) for it in items]
    scores = score_all(model, texts, max_chunks=max_chunks, progress=progress)
    hits, correct = judge_items(items, scores, model.info.thresholds)
    rows = class_rows(items, correct, min_accuracy=min_accuracy, class_min=class_min, gate=gate, hits=hits)
    return FunctionalResult(name, items, scores, correct, rows, hits)
