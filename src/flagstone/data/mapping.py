"""Mapping files: the one schema saying how a source file's rows become texts and labels.

`flagstone data import`, training recipes (``datasets/mappings/*.yaml``) and evaluation suites
(``suites/mappings/*.yaml``) all read this format, through :func:`load_mapping`; a missing or
malformed file is a ``ConfigError`` naming the file, line and reason (never an empty mapping)::

    name: openai-moderation-dev      # names the import annotator ("import:<name>") and the training source
    licence_class: A                 # A or B may train the shipped model; C and D evaluate only (import: optional)
    file: openai-moderation-dev/samples-dev.jsonl  # relative to the recipe's data root (import takes it on the CLI)
    format: jsonl                    # optional: jsonl | json (a list) | csv | tsv | parquet (else from the suffix)
    delimiter: ","                   # csv only
    columns:
      text: prompt                   # required; dotted paths reach into nested JSON objects
      id: id                         # optional source id (kept on import)
      metadata: [source, lang]       # optional, kept per dataset item on import
    labels:                          # 1. one column -> one category
      - {column: S, category: sexual, positive: [1], negative: [0], unknown: [-1]}
      - {column: toxicity, category: harassment, threshold: 0.5}   # numeric: >= threshold is 1
    label_dict: labels               # 2. optional: a column holding {category: 0/1}
    rules:                           # 3. applied in order, later rules override earlier ones
      - when: {toxic: "0"}           # every condition must hold: a value, a list of values,
        set: {"*": 0}                #   {ge: x} / {gt: x} / {lt: x} numeric, or {contains: s}
      - when: {insult: "1"}
        set: {harassment: 1}         # 1 / 0 / null (null makes it unknown again); "*" = all 13
    sample: {max_rows: 4000, per: label}   # training/evaluation only: deterministic subsample by text hash

Categories no step sets stay **unknown** and are masked out of training: a source's negatives only
deny the harms in its own label scheme. An absent or null value is unknown, never 0. A value outside
a column rule's positive/negative/unknown (or not a number under a threshold) makes the row bad: the
mapping does not say what it means. ``sample`` is ignored on import: the store keeps every row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from flagstone.data.readers import RowError, detect_format, iter_rows
from flagstone.errors import ConfigError
from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX
from flagstone.yamlfile import load_yaml_model

UNKNOWN = -1  # in a label vector: not labelled (masked out of training and evaluation)


def canon_value(v: Any) -> str:
    """Compare source values across formats: CSV "1", JSON 1, 1.0 and true all read as "1"."""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, str):
        s = v.strip()
        try:
            f = float(s)
            return str(int(f)) if f.is_integer() else s
        except ValueError:
            return s.lower()
    return str(v)


def _known(cats: Any) -> Any:
    bad = sorted(set(cats) - set(CATEGORIES))
    if bad:
        raise ValueError(f"unknown categories {bad}; the taxonomy is {list(CATEGORIES)}")
    return cats


class LabelRule(BaseModel):
    """One column's values mapped to one category."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str
    category: str
    positive: list[Any] = Field(default_factory=list)
    negative: list[Any] = Field(default_factory=list)
    unknown: list[Any] = Field(default_factory=list)
    threshold: float | None = None

    @field_validator("category")
    @classmethod
    def _known(cls, v: str) -> str:
        return _known([v])[0]

    @model_validator(mode="after")
    def _one_kind(self) -> LabelRule:
        if self.threshold is None and not (self.positive or self.negative):
            raise ValueError("a label rule needs positive/negative values or a threshold")
        if self.threshold is not None and (self.positive or self.negative):
            raise ValueError("give either positive/negative values or a threshold, not both")
        return self

    def apply(self, raw: Any) -> int | None:
        """Map one source value to 1, 0 or None (unknown); ValueError when the mapping cannot say."""
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            return None
        c = canon_value(raw)
        if c in {canon_value(u) for u in self.unknown}:
            return None
        if self.threshold is not None:
            try:
                return int(float(c) >= self.threshold)
            except ValueError:
                raise ValueError(f"column {self.column!r}: {raw!r} is not a number") from None
        if c in {canon_value(p) for p in self.positive}:
            return 1
        if c in {canon_value(n) for n in self.negative}:
            return 0
        raise ValueError(f"column {self.column!r}: value {raw!r} is not in positive, negative or unknown")


class Rule(BaseModel):
    """When every condition holds, set these categories (later rules override earlier ones)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    when: dict[str, Any] = Field(default_factory=dict)
    set: dict[str, Literal[0, 1] | None]

    @field_validator("set")
    @classmethod
    def _known(cls, v: dict[str, Any]) -> dict[str, Any]:
        _known(set(v) - {"*"})
        return v

    def holds(self, row: dict) -> bool:
        return all(_holds(get_path(row, col), cond) for col, cond in self.when.items())


def _holds(value: Any, cond: Any) -> bool:
    if isinstance(cond, dict):
        if "contains" in cond:
            return value is not None and str(cond["contains"]) in str(value)
        try:
            x = float(value)
        except (TypeError, ValueError):
            return False
        ops = {"ge": x >= cond.get("ge", x), "gt": x > cond.get("gt", x - 1), "lt": x < cond.get("lt", x + 1)}
        return all(ops[k] for k in cond if k in ops)
    options = cond if isinstance(cond, list) else [cond]
    return value is not None and str(value).strip() in {str(o) for o in options}


class Sample(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_rows: int = Field(ge=1)
    per: str | None = None


class Columns(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    id: str | None = None
    metadata: list[str] = Field(default_factory=list)


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    licence_class: Literal["A", "B", "C", "D"] | None = None
    file: str | None = None
    format: Literal["jsonl", "json", "csv", "tsv", "parquet"] | None = None
    delimiter: str = Field(",", min_length=1, max_length=1)
    columns: Columns
    labels: list[LabelRule] = Field(default_factory=list)
    label_dict: str | None = None
    rules: list[Rule] = Field(default_factory=list)
    sample: Sample | None = None
    description: str = ""
    license: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _not_the_old_training_format(cls, data: Any) -> Any:
        if isinstance(data, dict) and "columns" not in data and ("text" in data or "copy" in data):
            raise ValueError("the text column goes under columns: {text: COLUMN}, and copy: {COLUMN: CATEGORY} "
                             "is written labels: [{column: COLUMN, category: CATEGORY, positive: [1], "
                             "negative: [0]}] (the training-only mapping format is gone)")
        return data

    def content_hash(self) -> str:
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def file_format(self, path: Path) -> str:
        return detect_format(path, self.format)

    def iter_rows(self, path: Path) -> Iterator[tuple[int, dict | RowError]]:
        """The file's rows (``RowError`` for one that cannot be parsed), read as this mapping says."""
        return iter_rows(path, self.file_format(path), delimiter=self.delimiter)

    def label_vector(self, row: dict) -> np.ndarray:
        """The 13 labels of one row (1 / 0 / -1 unknown); ValueError when a value cannot be interpreted.

        Column rules first (two that disagree on a category make the row bad), then ``label_dict``,
        then ``rules`` in order, each overriding what came before.
        """
        out = np.full(len(CATEGORIES), UNKNOWN, dtype=np.int8)
        from_columns: dict[str, int] = {}
        for lr in self.labels:
            v = lr.apply(get_path(row, lr.column))
            if v is not None:
                if from_columns.setdefault(lr.category, v) != v:
                    raise ValueError(f"rules for {lr.category!r} disagree within the row")
                out[CATEGORY_INDEX[lr.category]] = v
        if self.label_dict:
            given = get_path(row, self.label_dict) or {}
            if not isinstance(given, dict):
                raise ValueError(f"{self.label_dict!r} must be an object of category: 0/1")
            for cat, v in given.items():
                if cat not in CATEGORY_INDEX or v not in (0, 1):
                    raise ValueError(f"bad label {cat!r}: {v!r}")
                out[CATEGORY_INDEX[cat]] = v
        for rule in self.rules:
            if rule.holds(row):
                for cat, v in rule.set.items():
                    idx = range(len(CATEGORIES)) if cat == "*" else [CATEGORY_INDEX[cat]]
                    for i in idx:
                        out[i] = UNKNOWN if v is None else v
        return out

    def labels_for(self, row: dict) -> dict[str, int]:
        """``{category: 0|1}`` of one row's known labels; ValueError when a value cannot be interpreted."""
        vec = self.label_vector(row)
        return {c: int(v) for c, v in zip(CATEGORIES, vec.tolist(), strict=True) if v != UNKNOWN}


def parse_mapping(data: Any, *, file: str = "<mapping>") -> Mapping:
    """Validate an in-memory mapping (benchmarks and tests); files go through :func:`load_mapping`."""
    if not isinstance(data, dict):
        raise ConfigError("a mapping file is a YAML mapping with name and columns", file=file)
    try:
        return Mapping.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise ConfigError(f"{where}: {err['msg']}", file=file) from exc


def load_mapping(path: str | Path) -> Mapping:
    return load_yaml_model(path, Mapping, what="mapping file", expected="a YAML mapping with name and columns")


def get_path(row: dict, path: str) -> Any:
    """Read a column, following dots into nested objects when the flat key is absent."""
    if path in row:
        return row[path]
    cur: Any = row
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur
