"""Typed schema of a policy file (YAML). Validation errors are mapped to file:line by the loader."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from flagstone.policy.taxonomy import CATEGORIES


class CategoryPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    definition: str = Field(min_length=10)
    includes: list[str] = Field(min_length=1)
    excludes: list[str] = Field(min_length=1)
    positive_examples: list[str] = Field(min_length=1)
    negative_examples: list[str] = Field(min_length=1)
    input_types: list[Literal["text", "image"]] = Field(min_length=1)
    # The threshold is chosen on the calibration split to reach this precision (or recall).
    target_precision: float | None = Field(default=None, gt=0, lt=1)
    target_recall: float | None = Field(default=None, gt=0, lt=1)

    @model_validator(mode="after")
    def _one_target(self) -> CategoryPolicy:
        if (self.target_precision is None) == (self.target_recall is None):
            raise ValueError("give exactly one of target_precision or target_recall")
        return self


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    description: str = ""
    categories: dict[str, CategoryPolicy]

    @field_validator("categories")
    @classmethod
    def _all_categories(cls, v: dict[str, CategoryPolicy]) -> dict[str, CategoryPolicy]:
        unknown = sorted(set(v) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"unknown categories {unknown}; the taxonomy is {list(CATEGORIES)}")
        missing = [c for c in CATEGORIES if c not in v]
        if missing:
            raise ValueError(f"missing categories {missing}: a policy covers all 13")
        return {c: v[c] for c in CATEGORIES}

    def content_hash(self) -> str:
        """Hash of the canonical JSON form: two files that say the same thing hash the same."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def input_types(self, category: str) -> list[str]:
        return list(self.categories[category].input_types)
