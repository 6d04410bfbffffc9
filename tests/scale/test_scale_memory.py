"""Bounded memory and progress of ``flagstone score`` (local engine), measured by counters, not time.

The engine counts the input rows it has read but not yet written (``ScoreResult.max_rows_held``):
that peak is capped by the batches in flight (2 per worker process, one batch with one process) and
does not grow with the input. Output is written batch by batch, so it is on disk while the job runs.
"""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
import pytest

from flagstone.cli._progress import Progress
from flagstone.scale.base import ScoreJob, get_engine
from flagstone.scale.readers import count_rows

from .conftest import settings


def _items(path, n: int):
    with path.open("w") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": i, "text": f"text {i} " + "word " * (i % 23)}) + "\n")
    return path


@pytest.mark.parametrize("workers", [1, 2])
def test_rows_held_are_capped_by_batches_in_flight_not_by_input_size(tmp_path, model_dir, workers):
    batch = 8
    engine = get_engine("local", settings(scale_workers=workers, scale_batch_rows=batch))
    peaks = {}
    try:
        for n in (100, 1_000):
            result = engine.score(ScoreJob(_items(tmp_path / f"in{n}.jsonl", n), tmp_path / f"out{n}.parquet",
                                           model_dir))
            assert result.rows == n == pq.read_metadata(tmp_path / f"out{n}.parquet").num_rows
            peaks[n] = result.max_rows_held
    finally:
        engine.stop()
    cap = batch if workers == 1 else 2 * workers * batch
    assert 0 < peaks[100] <= cap and 0 < peaks[1_000] <= cap
    assert peaks[1_000] == peaks[100]  # ten times the input, the same rows in memory


def test_output_is_written_while_the_job_runs_and_progress_is_monotone(tmp_path, model_dir):
    inp = _items(tmp_path / "in.jsonl", 200)
    out = tmp_path / "out.parquet"
    seen: list[tuple[int, int]] = []  # (rows reported so far, bytes of the temporary output on disk)

    def progress(n: int) -> None:
        done = (seen[-1][0] if seen else 0) + n
        tmp = [p for p in tmp_path.glob(".out.parquet.tmp-*")]
        seen.append((done, tmp[0].stat().st_size if tmp else -1))

    engine = get_engine("local", settings(scale_workers=1, scale_batch_rows=20))
    engine.score(ScoreJob(inp, out, model_dir), progress)
    counts = [c for c, _ in seen]
    sizes = [s for _, s in seen]
    assert counts == list(range(20, 201, 20))  # one call per batch, every row counted once
    assert all(s > 0 for s in sizes) and sizes == sorted(sizes) and sizes[-1] > sizes[0]
    assert pq.read_metadata(out).num_row_groups == 10  # one row group per batch, none held back


def test_count_rows_counts_jsonl_lines_for_the_progress_total(tmp_path, items_parquet):
    path = tmp_path / "x.jsonl"
    path.write_text('{"id": 1, "text": "a"}\n{"id": 2, "text": "b"}\n{"id": 3, "text": "c"}')  # no last \n
    assert count_rows(path) == 3
    assert count_rows(items_parquet) == 40


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_shows_rows_rate_and_eta_on_a_tty():
    stream = _Tty()
    with Progress(1_000, label="scoring", stream=stream) as bar:
        bar._start -= 10.0  # 10 s ago: 250 rows in 10 s -> 25/s, 750 left -> 30 s
        bar.update(250)
    text = stream.getvalue()
    assert "\rscoring [#######" in text and "250/1000 25/s ETA 0:30" in text
    assert text.endswith("\n")


def test_reading_a_parquet_input_holds_one_batch_not_the_file(tmp_path):
    """pyarrow's default pre-buffering kept every byte read until the file closed: streaming a 100 MB
    input ended with 100 MB held. The reader must hold about one batch, however large the file."""
    import os

    import pyarrow as pa

    from flagstone.scale.readers import iter_batches

    path = tmp_path / "big.parquet"
    with pq.ParquetWriter(path, pa.schema([("id", pa.string()), ("text", pa.string())])) as writer:
        for g in range(24):  # 24 row groups of 1,000 incompressible 1 kB texts: a 24 MB file
            writer.write_table(pa.table({"id": [f"{g}-{i}" for i in range(1000)],
                                         "text": [os.urandom(500).hex() for _ in range(1000)]}))
    assert path.stat().st_size > 20 * 2**20
    start, peak, rows = pa.total_allocated_bytes(), 0, 0
    for batch in iter_batches(path, 500):
        rows += batch.num_rows
        peak = max(peak, pa.total_allocated_bytes() - start)
        del batch
    assert rows == 24_000
    assert peak < 6 * 2**20  # one row group's pages and a 500-row batch, not the 24 MB read so far
