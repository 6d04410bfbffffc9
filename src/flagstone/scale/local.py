"""The local engine: streams bounded batches through a process pool, one model per process.

Memory stays bounded because at most ``2 * workers`` batches are in flight and results are written
in input order as they come back. Each worker process loads the model once (lazily, through
:func:`flagstone.scale.batch.cached_model`). Usage analytics run the shared SQL on DuckDB, which
streams Parquet and uses every core.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import pyarrow as pa

from flagstone.abuse.rules import load_rules
from flagstone.errors import DataError, FlagstoneError
from flagstone.scale import usage as usage_sql
from flagstone.scale.base import (
    Progress,
    ProgressLog,
    ScoreJob,
    ScoreResult,
    UsageJob,
    UsageReport,
    register_engine,
)
from flagstone.scale.batch import cached_model, score_batch
from flagstone.scale.readers import SafeParquetWriter, iter_batches
from flagstone.scale.rules import evaluate_batches, sort_rows
from flagstone.settings import Settings

log = logging.getLogger(__name__)


def _score_remote(batch: pa.RecordBatch, model_dir: str, max_chunks: int) -> pa.RecordBatch | tuple:
    """Run in a worker (one core each, so one inference thread). Domain errors come back as plain
    tuples: their keyword-only constructors do not survive pickling, and the caller must see the
    same file and row."""
    try:
        return score_batch(batch, cached_model(model_dir, threads=1), max_chunks=max_chunks)
    except DataError as exc:
        return ("DataError", exc.reason, exc.file, exc.row)
    except FlagstoneError as exc:
        return (type(exc).__name__, exc.message, None, None)


def _warm_worker(model_dir: str) -> None:
    """Pool initializer: load the model as the worker starts. A failure is left for the first
    batch to report (an initializer error would only say the pool is broken)."""
    with contextlib.suppress(FlagstoneError):
        cached_model(model_dir, threads=1)


def _raise_remote(failure: tuple) -> None:
    import flagstone.errors as errors

    name, message, file, row = failure
    if name == "DataError":
        raise DataError(message, file=file, row=row)
    raise getattr(errors, name, errors.FlagstoneError)(message)


@register_engine("local")
class LocalEngine:
    name = "local"

    def __init__(self, settings: Settings) -> None:
        self.batch_rows = settings.scale_batch_rows
        self.workers = settings.scale_workers or os.cpu_count() or 1
        self.threads = settings.inference_threads  # used when one process scores (workers == 1)
        self._pool: ProcessPoolExecutor | None = None
        self._pool_model = ""

    def score(self, job: ScoreJob, progress: Progress | None = None) -> ScoreResult:
        start = time.perf_counter()
        rows, model_id = 0, ""
        held = _Held()
        batches = held.reading(iter_batches(Path(job.input), self.batch_rows))
        report = ProgressLog(job.input, start)
        with SafeParquetWriter(Path(job.output), overwrite=job.overwrite) as writer:
            for out in self._scored(batches, job):
                writer.write(out)  # one row group per batch: on disk now, not held until the end
                held.written(out.num_rows)
                rows += out.num_rows
                if out.num_rows:
                    model_id = out.column("model_version")[0].as_py()
                if progress is not None:
                    progress(out.num_rows)
                report(rows)
        if not model_id:  # empty input: still name the model (and fail if it cannot load)
            model_id = cached_model(job.model_dir).info.id
        return ScoreResult(rows=rows, seconds=time.perf_counter() - start, model_id=model_id, output=job.output,
                           max_rows_held=held.peak)

    def _scored(self, batches: Iterator[pa.RecordBatch], job: ScoreJob) -> Iterator[pa.RecordBatch]:
        model_dir = str(Path(job.model_dir).resolve())
        if self.workers == 1:
            for batch in batches:
                yield score_batch(batch, cached_model(model_dir, threads=self.threads), max_chunks=job.max_chunks)
            return
        pool = self._pool_for(model_dir)
        pending: deque[Future] = deque()
        try:
            for batch in batches:
                pending.append(pool.submit(_score_remote, batch, model_dir, job.max_chunks))
                if len(pending) >= 2 * self.workers:  # the bound on memory: 2 batches per worker
                    yield _result(pending.popleft())
            while pending:
                yield _result(pending.popleft())
        finally:
            for fut in pending:
                fut.cancel()

    def _pool_for(self, model_dir: str) -> ProcessPoolExecutor:
        """Worker processes kept across jobs (until :meth:`stop`), each loading the model as it starts."""
        if self._pool is None or self._pool_model != model_dir:
            self.stop()
            # spawn, not fork: the parent may hold onnxruntime/BLAS threads that fork would break.
            self._pool = ProcessPoolExecutor(self.workers, mp_context=mp.get_context("spawn"),
                                             initializer=_warm_worker, initargs=(model_dir,))
            self._pool_model = model_dir
        return self._pool

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def usage(self, job: UsageJob) -> UsageReport:
        import duckdb

        con = duckdb.connect()
        try:
            con.execute("SET TimeZone='UTC'")
            source = usage_sql.duckdb_source(Path(job.log))

            def query(sql: str) -> pa.Table:
                return con.sql(sql).to_arrow_table()

            def alerts() -> list[dict]:
                rules = load_rules(job.rules)
                names = query(f"SELECT * FROM {source} LIMIT 0").schema.names
                order = "ts, request_id" if "request_id" in names else "ts"
                reader = con.sql(f"SELECT * EXCLUDE (filename, file_row_number) FROM {source} "
                                     f"ORDER BY {order}").to_arrow_reader(8192)
                return sort_rows(evaluate_batches(rules, reader))

            return usage_sql.run(query, source, job, dialect="duckdb", alerts=alerts)
        except duckdb.Error as exc:
            raise DataError(f"cannot read request log: {exc}", file=str(job.log)) from None
        finally:
            con.close()


class _Held:
    """Counts input rows read but not yet written: the rows the job holds in memory at once.

    Its peak (``ScoreResult.max_rows_held``) is what the memory bound is about: at most
    ``2 * workers`` batches (one batch with one worker), whatever the size of the input.
    """

    def __init__(self) -> None:
        self.now = self.peak = 0

    def reading(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            self.now += batch.num_rows
            self.peak = max(self.peak, self.now)
            yield batch

    def written(self, n: int) -> None:
        self.now -= n


def _result(fut: Future) -> pa.RecordBatch:
    out = fut.result()
    if isinstance(out, tuple):
        _raise_remote(out)
    return out
