"""Load labelled evaluation files.

Accepted: JSONL or CSV with a text field (``prompt``, ``text``, ``input`` or ``--text-field``) and labels
either as OpenAI's 8-letter keys (S, H, V, HR, SH, S3, H2, V2) or our 13 category names, at the top
level or under ``labels``. An absent or empty label means *unknown* and is skipped for that category,
never counted as 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from flagstone.data.readers import read_rows
from flagstone.errors import DataError
from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX, OPENAI_SHORT_KEYS

TEXT_FIELDS = ("prompt", "text", "input", "comment_text")


@dataclass(frozen=True)
class LabelledSet:
    texts: list[str]
    labels: np.ndarray  # (n, 13) float: 1, 0, or nan for unknown
    source: str

    def __len__(self) -> int:
        return len(self.texts)

    def known(self, category: str) -> np.ndarray:
        return ~np.isnan(self.labels[:, CATEGORY_INDEX[category]])

    @property
    def labelled_categories(self) -> list[str]:
        return [c for c in CATEGORIES if self.known(c).any()]


def _label_value(raw: object, *, file: str, row: int, key: str) -> float:
    if raw is None or raw == "":
        return np.nan
    if isinstance(raw, bool):
        return float(raw)
    try:
        v = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataError(f"label {key!r} must be 0 or 1, got {raw!r}", file=file, row=row) from None
    if v not in (0.0, 1.0):
        raise DataError(f"label {key!r} must be 0 or 1, got {raw!r}", file=file, row=row)
    return v


def _row_labels(obj: dict, *, file: str, row: int) -> np.ndarray:
    out = np.full(len(CATEGORIES), np.nan)
    sources = [obj, obj.get("labels")] if isinstance(obj.get("labels"), dict) else [obj]
    for src in sources:
        for key, val in src.items():
            cat = OPENAI_SHORT_KEYS.get(key, key if key in CATEGORY_INDEX else None)
            if cat is not None:
                out[CATEGORY_INDEX[cat]] = _label_value(val, file=file, row=row, key=key)
    return out


def _text_of(obj: dict, text_field: str | None, *, file: str, row: int) -> str:
    fields = (text_field,) if text_field else TEXT_FIELDS
    for f in fields:
        if f in obj:
            val = obj[f]
            if not isinstance(val, str):
                raise DataError(f"field {f!r} must be a string, got {type(val).__name__}", file=file, row=row)
            return val
    raise DataError(f"no text field (looked for {', '.join(fields)})", file=file, row=row)


# A labelled set's .json is JSON Lines (as OpenAI's moderation evaluation file is), not a JSON list.
_FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv"}


def labelled_rows(p: Path) -> list[dict]:
    """A labelled file's rows, read by ``flagstone.data.readers`` (row numbers count data rows from 1)."""
    fmt = _FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise DataError(f"unsupported file type {p.suffix.lower()!r}: use .jsonl or .csv", file=str(p))
    return read_rows(p, fmt)


def load_labelled(path: str | Path, *, text_field: str | None = None) -> LabelledSet:
    p = Path(path)
    texts: list[str] = []
    rows: list[np.ndarray] = []
    for row, obj in enumerate(labelled_rows(p), start=1):
        texts.append(_text_of(obj, text_field, file=str(p), row=row))
        rows.append(_row_labels(obj, file=str(p), row=row))
    if not texts:
        raise DataError("no rows", file=str(p))
    return LabelledSet(texts=texts, labels=np.vstack(rows), source=str(p))
