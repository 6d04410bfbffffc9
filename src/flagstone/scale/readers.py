"""Stream scoring input from disk in bounded batches, and write scored Parquet safely.

Input is a JSONL file (``.jsonl``, ``.ndjson``, ``.json``), a Parquet file, or a directory of either.
Batches carry ``_file`` and ``_row`` (1-based line for JSONL, row for Parquet) so that a bad row is
reported where it is. Output goes to a temporary file renamed into place on success, so a failed job
leaves no half-written output and never clobbers an existing file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from flagstone.errors import ConfigError, DataError
from flagstone.scale.batch import parse_jsonl
from flagstone.scale.schema import FILE_COL, ID_COL, ROW_COL, SCORED_SCHEMA, TEXT_COL, check_input_columns

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
PARQUET_SUFFIXES = (".parquet", ".pq")


def input_files(path: Path) -> tuple[str, list[Path]]:
    """Return ``(format, files)``; format is ``jsonl`` or ``parquet``. Mixed or unknown is an error."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith((".", "_")))
    elif path.is_file():
        files = [path]
    else:
        raise DataError("input not found", file=str(path))
    formats = {_format(p) for p in files}
    if not files or len(formats) != 1:
        raise DataError(f"expected JSONL or Parquet files, found {[p.name for p in files][:5]}", file=str(path))
    return formats.pop(), files


def _format(p: Path) -> str:
    suffix = p.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    raise DataError(f"unknown input format {suffix!r}; use one of {JSONL_SUFFIXES + PARQUET_SUFFIXES}",
                    file=str(p))


def count_rows(path: Path) -> int:
    """Rows in the input, for a progress bar's total and ETA: Parquet footers, or JSONL lines.

    JSONL lines are counted by scanning bytes for newlines (about 1 GB/s, with a constant 1 MiB
    buffer); blank lines count too, so the total may exceed the rows scored by the blank lines.
    """
    fmt, files = input_files(path)
    if fmt == "parquet":
        return sum(_open_parquet(f).metadata.num_rows for f in files)
    return sum(_count_lines(f) for f in files)


def _count_lines(path: Path) -> int:
    lines, last = 0, b"\n"
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")  # a last line without its newline


def iter_batches(path: Path, batch_rows: int) -> Iterator[pa.RecordBatch]:
    fmt, files = input_files(path)
    for f in files:
        yield from (_jsonl_batches(f, batch_rows) if fmt == "jsonl" else _parquet_batches(f, batch_rows))


def _jsonl_batches(path: Path, batch_rows: int) -> Iterator[pa.RecordBatch]:
    name = str(path)
    lines: list[str] = []
    rows: list[int] = []
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                lines.append(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise DataError(f"not UTF-8: {exc.reason} at byte {exc.start}", file=name, row=lineno) from None
            rows.append(lineno)
            if len(lines) >= batch_rows:
                yield parse_jsonl(lines, [name] * len(lines), rows)
                lines, rows = [], []
    if lines:
        yield parse_jsonl(lines, [name] * len(lines), rows)


def _open_parquet(path: Path) -> pq.ParquetFile:
    """Open for streaming. pyarrow's default ``pre_buffer=True`` keeps every byte range it has read
    cached until the file is closed, so reading a 100 MB file held 100 MB by the end (and a 10 GB one
    would hold 10 GB); without it, and with a 1 MiB read buffer, the reader holds one batch's pages."""
    try:
        return pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"not a readable Parquet file: {exc}", file=str(path)) from None


def _parquet_batches(path: Path, batch_rows: int) -> Iterator[pa.RecordBatch]:
    pf = _open_parquet(path)
    check_input_columns(pf.schema_arrow, file=str(path))
    offset = 0
    try:
        for batch in pf.iter_batches(batch_size=batch_rows, columns=[ID_COL, TEXT_COL], use_threads=False):
            n = batch.num_rows
            yield pa.RecordBatch.from_arrays(
                [batch.column(ID_COL), batch.column(TEXT_COL), pa.array([str(path)] * n, pa.string()),
                 pa.array(range(offset + 1, offset + n + 1), pa.int64())],
                names=[ID_COL, TEXT_COL, FILE_COL, ROW_COL])
            offset += n
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"corrupt Parquet data after row {offset}: {exc}", file=str(path), row=offset + 1) from None


class SafeParquetWriter:
    """Write scored batches to ``<output>.tmp-<pid>`` and rename to ``output`` only on success."""

    def __init__(self, output: Path, *, overwrite: bool = False) -> None:
        if output.exists() and not overwrite:
            raise ConfigError(f"output {output} already exists; pass --overwrite to replace it")
        output.parent.mkdir(parents=True, exist_ok=True)
        self.output = output
        self.tmp = output.with_name(f".{output.name}.tmp-{os.getpid()}")
        self._writer = pq.ParquetWriter(self.tmp, SCORED_SCHEMA, compression="zstd")

    def write(self, batch: pa.RecordBatch) -> None:
        self._writer.write_batch(batch)

    def __enter__(self) -> SafeParquetWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._writer.close()
        if exc_type is None:
            os.replace(self.tmp, self.output)
        else:
            with contextlib.suppress(OSError):
                self.tmp.unlink()
