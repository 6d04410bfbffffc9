"""Evaluation suites: a YAML file listing datasets (with their mappings) and which metrics gate.

    name: smoke
    bootstrap: 200                  # resamples for confidence intervals and comparisons
    datasets:
      - name: dev
        path: ../tests/fixtures/labelled_small.jsonl   # relative to the suite file
        text_field: prompt          # optional; default prompt/text/input/comment_text
        benign: false               # true: every unknown label counts as 0 (false-positive sets)
        slices: [length, source]    # per-slice metrics: "length" (bucketed) or any field of the rows
        holdout: {fraction: 0.2, salt: gate}   # only the rows a recipe's same ``holdout:`` never trains on
        mapping: ../datasets/mappings/x.yaml   # labels through a training mapping (rules, copy, label_dict)
        optional: true              # a missing file is skipped with a note (sets outside the repo)
    gates:
      - {dataset: dev, category: any, metric: auprc, tolerance: 0.02}
    functional:                     # functional sets (evaluation.functional): accuracy per failure class
      - name: classes
        path: functional/items.jsonl
        min_accuracy: 0.90          # every class at least this right ...
        class_min: {languages-zh: 0.8}   # ... unless overridden per class
        gate: true                  # false: report only

A gate says a candidate may not be worse than production on that metric by more than ``tolerance``.
Before it decides, every dataset item is checked against the candidate's training fingerprint
(``flagstone.data.overlap``): items it trained on (exact or near duplicates) are left out of the
decision and reported, and a dataset where they exceed ``max_overlap`` (a share; default 0.05) makes
the gate refuse to decide (``registry/gate.py``).
A functional set's gate is absolute: each class must reach its minimum accuracy, whatever production
scores (``SuiteResult.functional_failures``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from flagstone.errors import DataError
from flagstone.evaluation.functional import FunctionalResult, load_items, run_functional
from flagstone.evaluation.labelled import LabelledSet, load_labelled
from flagstone.evaluation.report import ANY, EvalReport, evaluate_scores, score_all
from flagstone.models.base import Moderator
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.yamlfile import load_yaml_model

log = logging.getLogger(__name__)

# metric name -> True when higher is better
METRICS: dict[str, bool] = {"auprc": True, "roc_auc": True, "precision": True, "recall": True, "f1": True,
                            "fpr": False, "ece": False}
LENGTH_BANDS = ((0, 100, "short"), (100, 500, "medium"), (500, 10**12, "long"))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HoldoutSelect(_Strict):
    fraction: float = Field(gt=0, lt=1)
    salt: str = "holdout"


class DatasetSpec(_Strict):
    name: str
    path: str
    text_field: str | None = None
    benign: bool = False
    slices: list[str] = Field(default_factory=list)
    holdout: HoldoutSelect | None = None
    mapping: str | None = None
    optional: bool = False


class GateSpec(_Strict):
    dataset: str
    metric: Literal["auprc", "roc_auc", "precision", "recall", "f1", "fpr", "ece"]
    category: str = ANY
    tolerance: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _cat(self) -> GateSpec:
        if self.category != ANY and self.category not in CATEGORIES:
            raise ValueError(f"unknown category {self.category!r}; use 'any' or one of {list(CATEGORIES)}")
        return self


class FunctionalSpec(_Strict):
    name: str
    path: str
    min_accuracy: float = Field(default=0.9, ge=0, le=1)
    class_min: dict[str, float] = Field(default_factory=dict)
    gate: bool = True


class Suite(_Strict):
    name: str
    bootstrap: int = Field(default=200, ge=0)
    datasets: list[DatasetSpec] = Field(default_factory=list)
    gates: list[GateSpec] = Field(default_factory=list)
    functional: list[FunctionalSpec] = Field(default_factory=list)
    max_overlap: float = Field(default=0.05, ge=0, le=1)

    @model_validator(mode="after")
    def _refs(self) -> Suite:
        if not self.datasets and not self.functional:
            raise ValueError("a suite needs at least one entry in datasets or functional")
        names = [d.name for d in self.datasets] + [f.name for f in self.functional]
        if len(set(names)) != len(names):
            raise ValueError(f"dataset and functional set names must be unique, got {names}")
        names = [d.name for d in self.datasets]
        for g in self.gates:
            if g.dataset not in names:
                raise ValueError(f"gate names dataset {g.dataset!r}, which the suite does not list ({names})")
        return self


@dataclass(frozen=True)
class LoadedSuite:
    suite: Suite
    path: Path

    def resolve(self, p: str) -> Path:
        q = Path(p)
        return q if q.is_absolute() else (self.path.parent / q).resolve()


def load_suite(path: str | Path) -> LoadedSuite:
    p = Path(path)
    suite = load_yaml_model(p, Suite, what="suite file", expected="a mapping with name and datasets")
    return LoadedSuite(suite, p.resolve())


@dataclass
class DatasetResult:
    spec: DatasetSpec
    data: LabelledSet
    scores: np.ndarray
    report: EvalReport
    slices: dict[str, dict[str, EvalReport]] = field(default_factory=dict)


@dataclass
class SuiteResult:
    suite: str
    model: str
    thresholds: dict[str, float]
    datasets: dict[str, DatasetResult]
    functional: dict[str, FunctionalResult] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # optional datasets not found: name -> note

    def functional_failures(self) -> list[tuple[str, str]]:
        """(set, class) of every gated functional class below its minimum accuracy."""
        return [(name, r.cls) for name, f in self.functional.items() for r in f.failures]

    def to_dict(self) -> dict:
        return {"suite": self.suite, "model": self.model, "skipped": self.skipped,
                "functional": {name: f.to_dict() for name, f in self.functional.items()}, "datasets": {
            name: {"source": d.data.source, "rows": len(d.data), "benign": d.spec.benign,
                   "report": d.report.to_dict(),
                   "slices": {f: {v: r.to_dict() for v, r in vals.items()} for f, vals in d.slices.items()}}
            for name, d in self.datasets.items()}}


def _row_fields(path: Path, name: str) -> list[str]:
    """Values of field ``name`` per row, in the order ``load_labelled`` reads rows (missing: "")."""
    from flagstone.evaluation.labelled import labelled_rows

    out = []
    for r in labelled_rows(path):
        v = r.get(name, "")
        out.append(v if isinstance(v, str) else json.dumps(v))
    return out


def slice_values(data: LabelledSet, path: Path, name: str) -> list[str]:
    if name == "length":
        return [next(lab for lo, hi, lab in LENGTH_BANDS if lo <= len(t) < hi) for t in data.texts]
    return [v or "(none)" for v in _row_fields(path, name)]


def _load_full(ls: LoadedSuite, spec: DatasetSpec) -> LabelledSet:
    path = ls.resolve(spec.path)
    if spec.mapping is None:
        return load_labelled(path, text_field=spec.text_field)
    from flagstone.data.mapping import get_path, load_mapping
    from flagstone.training.sources import UNKNOWN, label_row, mapping_rows, subsample

    m = load_mapping(ls.resolve(spec.mapping))
    raw = [(row, str(get_path(row, m.columns.text) or "")) for row in mapping_rows(path, m)]
    if m.sample:  # the mapping's deterministic subsample (by text hash) keeps the gate affordable
        raw = subsample(raw, m.sample)
    texts, rows = [], []
    for i, (row, _) in enumerate(raw, 1):
        text = get_path(row, m.columns.text)
        if not isinstance(text, str):
            raise DataError(f"no text in column {m.columns.text!r}", file=str(path), row=i)
        lab = label_row(row, m, file=str(path), index=i).astype(float)
        lab[lab == UNKNOWN] = np.nan
        texts.append(text)
        rows.append(lab)
    if not texts:
        raise DataError("no rows", file=str(path))
    return LabelledSet(texts, np.vstack(rows), str(path))


def holdout_rows(data: LabelledSet, spec: DatasetSpec) -> np.ndarray:
    """Which rows the dataset keeps: all, or only a recipe's held-out split (``training.splits.holdout_mask``)."""
    if spec.holdout is None:
        return np.ones(len(data), dtype=bool)
    from flagstone.training.splits import holdout_mask

    return holdout_mask(data.texts, spec.holdout.fraction, spec.holdout.salt)


def load_dataset(ls: LoadedSuite, spec: DatasetSpec) -> LabelledSet:
    data = _load_full(ls, spec)
    if spec.holdout is not None:
        data = _subset(data, holdout_rows(data, spec))
    if spec.benign:
        data = LabelledSet(data.texts, np.nan_to_num(data.labels, nan=0.0), data.source)
    return data


def _subset(data: LabelledSet, mask: np.ndarray) -> LabelledSet:
    return LabelledSet([t for t, m in zip(data.texts, mask, strict=True) if m], data.labels[mask], data.source)


def run_suite(model: Moderator, ls: LoadedSuite, *, max_chunks: int = 16, n_boot: int | None = None,
              progress=None) -> SuiteResult:
    """Score every dataset of the suite once; report overall and per slice; judge each functional class."""
    boot = ls.suite.bootstrap if n_boot is None else n_boot
    thr = model.info.thresholds
    out: dict[str, DatasetResult] = {}
    skipped: dict[str, str] = {}
    for spec in ls.suite.datasets:
        if spec.optional and not ls.resolve(spec.path).is_file():
            skipped[spec.name] = f"{ls.resolve(spec.path)} not found (optional: skipped)"
            log.warning("suite %s: dataset %s skipped: %s", ls.suite.name, spec.name, skipped[spec.name])
            continue
        data = load_dataset(ls, spec)
        scores = score_all(model, data.texts, max_chunks=max_chunks, progress=progress)
        res = DatasetResult(spec, data, scores, evaluate_scores(scores, data, thr, model=model.info.id, n_boot=boot))
        for name in spec.slices:
            values = np.array(slice_values(data, ls.resolve(spec.path), name)
                              if name == "length" or spec.holdout is None else
                              np.array(slice_values(data, ls.resolve(spec.path), name))[
                                  holdout_rows(_load_full(ls, spec), spec)])
            res.slices[name] = {v: evaluate_scores(scores[values == v], _subset(data, values == v), thr,
                                                   model=model.info.id, n_boot=0)
                                for v in sorted(set(values))}
        out[spec.name] = res
    functional = {f.name: run_functional(model, load_items(ls.resolve(f.path)), name=f.name,
                                         min_accuracy=f.min_accuracy, class_min=f.class_min, gate=f.gate,
                                         max_chunks=max_chunks, progress=progress)
                  for f in ls.suite.functional}
    return SuiteResult(ls.suite.name, model.info.id, dict(thr), out, functional, skipped)
