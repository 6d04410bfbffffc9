"""Stream rows from JSONL, JSON, CSV/TSV and Parquet as ``(row_number, dict | error)``.

The one set of row readers: ``data import``, training sources and evaluation suites read files here
(a JSON list is loaded whole; the others stream).

Row numbers are 1-based data rows (a CSV header is not a row), which is what reject reports show.
A row that cannot even be parsed (bad JSON, not an object) comes back as a ``RowError``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flagstone.errors import DataError

csv.field_size_limit(1 << 24)  # a long comment in a CSV cell is a text, not an error

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "tsv",
           ".parquet": "parquet", ".pq": "parquet"}


@dataclass(frozen=True)
class RowError:
    reason: str
    raw: str


def detect_format(path: Path, declared: str | None = None) -> str:
    if declared:
        return declared
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataError(f"cannot tell the format from {path.suffix!r}; use one of {sorted(set(FORMATS))} "
                        "or set format in the mapping", file=str(path))
    return fmt


def iter_rows(path: Path, fmt: str, *, delimiter: str = ",") -> Iterator[tuple[int, dict | RowError]]:
    if not path.is_file():
        raise DataError("file not found", file=str(path))
    if fmt == "jsonl":
        yield from _jsonl(path)
    elif fmt in ("csv", "tsv"):
        yield from _csv(path, "\t" if fmt == "tsv" or path.suffix.lower() == ".tsv" else delimiter)
    elif fmt == "parquet":
        yield from _parquet(path)
    elif fmt == "json":
        yield from _json_list(path)
    else:  # the mapping schema only admits the formats above
        raise DataError(f"unsupported format {fmt!r}", file=str(path))


def _jsonl(path: Path) -> Iterator[tuple[int, dict | RowError]]:
    with path.open("rb") as fh:
        n = 0
        for raw in fh:
            if not raw.strip():
                continue
            n += 1
            try:
                obj = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                yield n, RowError(f"not UTF-8 text ({exc.reason} at byte {exc.start} of the row)",
                                  raw[:500].decode("utf-8", "replace"))
                continue
            except json.JSONDecodeError as exc:
                yield n, RowError(f"invalid JSON: {exc}", raw[:500].decode("utf-8", "replace"))
                continue
            yield n, obj if isinstance(obj, dict) else RowError("a JSONL row must be a JSON object", str(obj)[:500])


def _csv(path: Path, delimiter: str) -> Iterator[tuple[int, dict | RowError]]:
    try:
        fh = path.open(encoding="utf-8", newline="")
        with fh:
            reader = csv.DictReader(fh, delimiter=delimiter)
            for n, row in enumerate(reader, start=1):
                if None in row:  # more fields than the header names
                    yield n, RowError(f"{len(row) - 1 + len(row[None])} fields, header has {len(row) - 1}",
                                      delimiter.join(str(v) for v in row.values())[:500])
                    continue
                yield n, row
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=str(path)) from exc


def _json_list(path: Path) -> Iterator[tuple[int, dict | RowError]]:
    """A JSON file holding one list of objects (loaded whole: such files are small)."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"invalid JSON: {exc}", file=str(path)) from exc
    if not isinstance(rows, list):
        raise DataError("a json source is a list of objects", file=str(path))
    for n, obj in enumerate(rows, start=1):
        yield n, obj if isinstance(obj, dict) else RowError("a row must be an object", str(obj)[:500])


def _parquet(path: Path) -> Iterator[tuple[int, dict | RowError]]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise DataError(f"not a readable Parquet file: {exc}", file=str(path)) from exc
    n = 0
    for batch in pf.iter_batches(batch_size=10_000):
        for row in batch.to_pylist():
            n += 1
            yield n, row


def read_rows(path: Path, fmt: str, *, delimiter: str = ",") -> list[dict]:
    """Every row of a file, for readers that cannot skip one: a row that cannot be parsed is a DataError."""
    rows = []
    for n, row in iter_rows(path, fmt, delimiter=delimiter):
        if isinstance(row, RowError):
            raise DataError(row.reason, file=str(path), row=n)
        rows.append(row)
    return rows
