"""Mapping files: which columns of a source file are text, id and metadata, and how labels map.

A mapping is YAML, validated here; a missing or malformed file is an error (never an empty mapping)::

    name: openai-moderation-dev      # names the import annotator ("import:<name>")
    format: jsonl                    # optional: jsonl | csv | parquet (else from the file suffix)
    csv_delimiter: ","               # optional
    columns:
      text: prompt                   # required; dotted paths reach into nested JSON objects
      id: id                         # optional source id
      metadata: [source, lang]       # optional, kept per dataset item
    labels:
      - column: S                    # source column (dotted path allowed)
        category: sexual             # a taxonomy category
        positive: [1]                # source values meaning 1
        negative: [0]                # source values meaning 0
        unknown: [-1]                # optional: values meaning "not labeled"
      - column: toxicity
        category: harassment
        threshold: 0.5               # numeric: >= threshold is 1, below is 0

An absent or null value is unknown, never 0. A value outside positive/negative/unknown (or not a
number under a threshold rule) makes the row bad: the mapping does not say what it means.

The training recipes' mapping files (``datasets/mappings/*.yaml``, read by
``flagstone.training.sources``: ``text``, ``copy``, ``label_dict``, ``rules``) are accepted too, so
the store and the default model's recipe map the shipped datasets the same way; :func:`load_mapping`
tells the two apart (a top-level ``text`` key) and wraps the latter in :class:`SourceMapping`, which
maps rows with the training loader's own ``label_row``. Their ``sample`` is a training choice and is
ignored on import: the store keeps every row.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from flagstone.errors import ConfigError
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.yamlfile import read_yaml

UNKNOWN = None


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


class LabelRule(BaseModel):
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
        if v not in CATEGORIES:
            raise ValueError(f"unknown category {v!r}; the taxonomy is {list(CATEGORIES)}")
        return v

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
            return UNKNOWN
        c = canon_value(raw)
        if c in {canon_value(u) for u in self.unknown}:
            return UNKNOWN
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


class Columns(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    id: str | None = None
    metadata: list[str] = Field(default_factory=list)


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    format: Literal["jsonl", "json", "csv", "parquet"] | None = None
    csv_delimiter: str = ","
    columns: Columns
    labels: list[LabelRule] = Field(default_factory=list)
    description: str = ""
    license: str | None = None

    def content_hash(self) -> str:
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def labels_for(self, row: dict) -> dict[str, int]:
        """{category: 0|1} for one row; ValueError when a value cannot be interpreted."""
        cats: dict[str, int] = {}
        for rule in self.labels:
            v = rule.apply(get_path(row, rule.column))
            if v is not None:
                if cats.get(rule.category, v) != v:
                    raise ValueError(f"rules for {rule.category!r} disagree within the row")
                cats[rule.category] = v
        return cats


class SourceMapping:
    """A training-recipe mapping file seen through the import interface."""

    def __init__(self, source) -> None:
        self.source = source
        self.name = source.name
        fmt = source.format
        self.format = "csv" if fmt == "tsv" else fmt
        self.csv_delimiter = "\t" if fmt == "tsv" else source.delimiter
        self.columns = Columns(text=source.text)

    def content_hash(self) -> str:
        blob = json.dumps(self.source.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def labels_for(self, row: dict) -> dict[str, int]:
        from flagstone.errors import DataError
        from flagstone.training.sources import label_row

        try:
            vec = label_row(row, self.source)
        except DataError as exc:
            raise ValueError(exc.reason) from None
        return {c: int(v) for c, v in zip(CATEGORIES, vec.tolist(), strict=True) if v >= 0}


AnyMapping = Mapping | SourceMapping


def parse_mapping(data: Any, *, file: str = "<mapping>") -> Mapping:
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: a mapping file is a YAML mapping with name, columns and labels")
    try:
        return Mapping.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise ConfigError(f"{file}: {where}: {err['msg']}") from exc


def load_mapping(path: str | Path) -> AnyMapping:
    p = Path(path)
    doc = read_yaml(p, what="mapping file", expected="a YAML mapping with name, columns and labels")
    if isinstance(doc.data.get("text"), str):
        from flagstone.training.sources import load_mapping as load_source_mapping

        return SourceMapping(load_source_mapping(p))
    return doc.validate(Mapping)


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
