"""The Spark engine: the same per-batch scoring function through ``mapInArrow``, the same usage SQL.

The session is built from settings (``spark_master``, ``spark_conf``); under ``spark-submit`` the
submitted master and configs win. Scoring is a map-only job (no shuffle): each Python worker loads
the model once through :func:`flagstone.scale.batch.cached_model` and scores every Arrow batch it
is given. Usage analytics shuffle once per ``GROUP BY`` (partial aggregates per partition first).

Errors raised in executors come back as Java exceptions carrying the Python traceback; a
:class:`DataError` in there is turned back into one, naming the same file and row.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from flagstone.errors import ConfigError, DataError
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
from flagstone.scale.batch import cached_model, parse_jsonl, score_batch
from flagstone.scale.readers import JSONL_SUFFIXES, input_files
from flagstone.scale.rules import ALERT_SCHEMA, evaluate_group, load_rule_doc, sort_rows, split_rules
from flagstone.scale.schema import (
    FILE_COL,
    ID_COL,
    ROW_COL,
    SCORED_SCHEMA,
    TEXT_COL,
    check_input_columns,
    spark_ddl,
)
from flagstone.settings import Settings

log = logging.getLogger(__name__)
LOG_VIEW = "flagstone_request_log"
_DEFAULT_CONF = {
    "spark.ui.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.maxRecordsPerBatch": "4096",
    "spark.python.worker.reuse": "true",  # keeps each worker's loaded model across tasks
    "spark.ui.showConsoleProgress": "false",  # the CLI turns it on: the library does not print
}
_REMOTE_DATA_ERROR = re.compile(r"flagstone\.errors\.DataError: (.*?)(?:, row (\d+))?: (.*)")


def _is_uri(path: str) -> bool:
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", path) is not None


def build_session(settings: Settings):
    """A SparkSession from settings; importing pyspark here keeps it an optional extra."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError("the spark engine needs pyspark: pip install 'flagstone[spark]'") from exc
    builder = SparkSession.builder.appName("flagstone")
    if "PYSPARK_GATEWAY_PORT" not in os.environ:  # not under spark-submit: settings pick the master
        conf = dict(_DEFAULT_CONF)
        builder = builder.master(settings.spark_master)
        if settings.spark_master.startswith("local") and "PYSPARK_PYTHON" not in os.environ:
            # Local workers must use this interpreter (and its packages); pyspark reads only the env.
            os.environ["PYSPARK_PYTHON"] = sys.executable
    else:  # builder configs would override spark-submit's --conf: the engine's defaults yield to them
        from pyspark import SparkConf

        conf = engine_defaults({key for key, _ in SparkConf().getAll()})
    conf.update(settings.spark_conf)  # given explicitly to flagstone: applied in both cases
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    # Executor failures are translated into domain errors; Spark's own stack traces would be noise.
    session.sparkContext.setLogLevel("FATAL")
    return session


def engine_defaults(submitted: set[str]) -> dict[str, str]:
    """The engine's default configs, less those already set (by ``spark-submit --conf``)."""
    return {key: value for key, value in _DEFAULT_CONF.items() if key not in submitted}


def _translate(exc: Exception, default_file: str) -> Exception:
    """A Spark failure -> DataError (same file and row when a worker raised one)."""
    text = str(exc)
    m = _REMOTE_DATA_ERROR.search(text)
    if m:
        file = re.sub(r"^file:(//)?", "", m.group(1))
        return DataError(m.group(3).strip(), file=file, row=int(m.group(2)) if m.group(2) else None)
    first = next((line for line in text.splitlines() if line.strip()), text)[:500]
    return DataError(f"Spark could not process the input: {first}", file=default_file)


def executor_model_dir(resolved: str, given: str) -> str:
    """Where the model artifact is on this executor (the first folder holding a ``manifest.json``):

    1. the driver's absolute path (local mode, or the same path on shared storage / every node);
    2. the path as given on the command line, from the executor's working directory: where
       ``spark-submit --archives model.tar.gz#model`` unpacks it for ``--model ./model`` (in
       cluster mode the driver's own container has a different absolute path);
    3. the folder's name under ``SparkFiles.getRootDirectory()`` (``SparkContext.addArchive``).

    When none has it, the driver's path is returned and loading it raises a ModelError naming it.
    """
    candidates = [Path(resolved), Path(given)]
    with contextlib.suppress(Exception):  # SparkFiles needs a running context or worker
        from pyspark import SparkFiles

        candidates.append(Path(SparkFiles.getRootDirectory()) / Path(given).name)
    return next((str(c) for c in candidates if (c / "manifest.json").is_file()), resolved)


def _task_cpus() -> int:
    """Cores of this task slot (``spark.task.cpus``, default 1): the model's inference threads."""
    with contextlib.suppress(Exception):
        from pyspark import TaskContext

        ctx = TaskContext.get()
        if ctx is not None:
            return max(1, int(ctx.cpus()))
    return 1


def _score_partition(model_dir: str, max_chunks: int, jsonl: bool, done=None, given: str = ""):  # noqa: ANN001
    """The function shipped to executors; everything it needs is in its arguments.

    ``done`` (a Spark accumulator) counts the rows scored; Spark sends its updates to the driver as
    each task ends, which is what the driver's progress reports read. ``given`` is the model path as
    the user wrote it (see :func:`executor_model_dir`).
    """

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        model = cached_model(executor_model_dir(model_dir, given or model_dir), threads=_task_cpus())
        for batch in batches:
            if jsonl:  # raw lines with their file and line number -> items (bad lines raise here)
                batch = parse_jsonl(batch.column("value").to_pylist(), batch.column(FILE_COL).to_pylist(),
                                    batch.column(ROW_COL).to_pylist())
            out = score_batch(batch, model, max_chunks=max_chunks)
            if done is not None:
                done.add(out.num_rows)
            yield out

    return run


class _TaskProgress:
    """Polls a rows accumulator on the driver while a job runs; reports increases only (monotone).

    Granularity is one task: executors send accumulator updates when a task ends.
    """

    def __init__(self, acc, progress: Progress | None, source: str, every: float = 0.5) -> None:  # noqa: ANN001
        self.acc, self.progress, self.every = acc, progress, every
        self.reported = 0
        self.log = ProgressLog(source, time.perf_counter())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="flagstone-spark-progress", daemon=True)

    def __enter__(self) -> _TaskProgress:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        while not self._stop.wait(self.every):
            self.report(int(self.acc.value))

    def report(self, rows: int) -> None:
        if rows > self.reported:
            if self.progress is not None:
                self.progress(rows - self.reported)
            self.reported = rows
            self.log(rows)


def _with_line_numbers(spark, lines):
    """Add ``_row``, the 1-based line number in its file, without a shuffle of the text.

    Within a split, ``monotonically_increasing_id`` is consecutive; one cheap JVM-only aggregate
    gives each (file, split) its first id and the lines of the earlier splits of that file.
    """
    from pyspark.sql import functions as F

    lines = lines.withColumn("_mono", F.monotonically_increasing_id())
    stats = lines.groupBy(FILE_COL, "_block").agg(F.count("*").alias("n"), F.min("_mono").alias("m0")).collect()
    base, before = [], {}
    for r in sorted(stats, key=lambda r: (r[FILE_COL], r["_block"])):
        seen = before.get(r[FILE_COL], 0)
        base.append((r[FILE_COL], r["_block"], seen + 1 - r["m0"]))
        before[r[FILE_COL]] = seen + r["n"]
    bases = spark.createDataFrame(base, f"{FILE_COL} string, _block bigint, _base bigint")
    return (lines.join(F.broadcast(bases), [FILE_COL, "_block"])
            .select("value", FILE_COL, (F.col("_mono") + F.col("_base")).alias(ROW_COL)))


@register_engine("spark")
class SparkEngine:
    name = "spark"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._spark = None
        self.startup_seconds = 0.0

    @property
    def spark(self):
        if self._spark is None:
            t0 = time.perf_counter()
            self._spark = build_session(self.settings)
            self.startup_seconds = time.perf_counter() - t0
        return self._spark

    def _input(self, path: str):
        from pyspark.sql import functions as F

        if _is_uri(path):  # cluster storage (hdfs://, s3a://...): the format comes from the name
            fmt = "jsonl" if path.rstrip("/").lower().endswith(JSONL_SUFFIXES) else "parquet"
        else:
            fmt, _ = input_files(Path(path))  # same format rules and errors as the local engine
        if fmt == "parquet":
            try:
                df = self.spark.read.parquet(path)
            except Exception as exc:  # AnalysisException, corrupt footer...
                raise _translate(exc, path) from None
            from pyspark.sql.pandas.types import to_arrow_schema

            check_input_columns(to_arrow_schema(df.schema), file=path)
            return df.select(ID_COL, TEXT_COL, F.col("_metadata.file_path").alias(FILE_COL),
                             (F.col("_metadata.row_index") + 1).alias(ROW_COL)), False
        lines = self.spark.read.text(path).select(
            "value", F.col("_metadata.file_path").alias(FILE_COL), F.col("_metadata.file_block_start").alias("_block"))
        return _with_line_numbers(self.spark, lines), True

    @contextlib.contextmanager
    def _split_size(self, path: str) -> Iterator[int | None]:
        """For a local Parquet input, at least one split per task slot where row groups allow, no shuffle.

        Spark cuts Parquet into splits of ``spark.sql.files.maxPartitionBytes`` (128 MB) at row-group
        boundaries, so a local file of a few hundred MB would be one or two tasks on one core. While the
        job runs (splits are planned when it executes), the split size is about a quarter of the input
        per slot; the session's own value is restored afterwards. A size set in ``spark_conf`` is kept.
        Yields the number of row groups of a local Parquet input (None when unknown): with fewer than
        two per slot the splits cannot be even, whatever their count (a split may hold no row group).
        """
        key = "spark.sql.files.maxPartitionBytes"
        files: list[Path] = []
        if not _is_uri(path) and key not in (self.settings.spark_conf or {}):  # a configured size wins
            with contextlib.suppress(DataError):
                fmt, files = input_files(Path(path))
                files = files if fmt == "parquet" else []
        total = sum(f.stat().st_size for f in files)
        row_groups = None
        if files:
            import pyarrow.parquet as pq

            with contextlib.suppress(Exception):  # a corrupt footer is reported by the read itself
                row_groups = sum(pq.ParquetFile(f).num_row_groups for f in files)
        if not total:
            yield row_groups
            return
        slots = self.spark.sparkContext.defaultParallelism
        before = self.spark.conf.get(key)
        self.spark.conf.set(key, str(max(1 << 20, total // (4 * slots))))
        try:
            yield row_groups
        finally:
            self.spark.conf.set(key, before)

    def score(self, job: ScoreJob, progress: Progress | None = None) -> ScoreResult:
        out = str(job.output)
        if not _is_uri(out) and Path(out).exists() and not job.overwrite:
            raise ConfigError(f"output {out} already exists; pass --overwrite to replace it")
        model_dir = str(Path(job.model_dir).resolve())
        model_id = cached_model(model_dir).info.id  # fail early, on the driver, if the model is bad
        spark = self.spark
        start = time.perf_counter()
        done = spark.sparkContext.accumulator(0)
        with self._split_size(str(job.input)) as row_groups, _TaskProgress(done, progress, str(job.input)) as tracker:
            rows = self._score(spark, job, model_dir, out, row_groups, done)
        tracker.report(rows)  # a retried task may have counted twice: never report past the rows written
        return ScoreResult(rows=rows, seconds=time.perf_counter() - start, model_id=model_id, output=out,
                           startup_seconds=self.startup_seconds)

    def _score(self, spark, job: ScoreJob, model_dir: str, out: str, row_groups: int | None,  # noqa: ANN001
               done=None) -> int:  # noqa: ANN001
        df, jsonl = self._input(str(job.input))
        slots = spark.sparkContext.defaultParallelism
        if df.rdd.getNumPartitions() < slots or (row_groups is not None and row_groups < 2 * slots):
            # Few splits (a small file, or row groups too few or too uneven to split: one row group
            # cannot be cut): spread the rows evenly over every task slot. Inputs with enough row
            # groups are split per slot by _split_size and not shuffled.
            df = df.repartition(slots)
        scored = df.mapInArrow(_score_partition(model_dir, job.max_chunks, jsonl, done, str(job.model_dir)),
                                spark_ddl(SCORED_SCHEMA))
        try:
            scored.write.mode("overwrite" if job.overwrite else "errorifexists").parquet(out)
            return spark.read.parquet(out).count()  # from the footers: cheap
        except Exception as exc:
            raise _translate(exc, str(job.input)) from None

    def usage(self, job: UsageJob) -> UsageReport:
        from pyspark.sql import functions as F

        log_path = str(job.log)
        if not _is_uri(log_path) and not Path(log_path).exists():
            raise DataError("request log not found", file=log_path)
        try:
            df = self.spark.read.parquet(log_path)
            df.select("*", F.col("_metadata.file_path").alias("filename"),
                      F.col("_metadata.row_index").alias("file_row_number")).createOrReplaceTempView(LOG_VIEW)
        except Exception as exc:
            raise _translate(exc, str(job.log)) from None

        def query(sql: str) -> pa.Table:
            try:
                return self.spark.sql(sql).toArrow()
            except Exception as exc:
                raise _translate(exc, str(job.log)) from None

        return usage_sql.run(query, LOG_VIEW, job, dialect="spark", alerts=lambda: self._alerts(df, job))

    def _alerts(self, df, job: UsageJob) -> list[dict]:
        """Per-subject rules per account (one shuffle by account), the others over the whole log."""
        from pyspark.sql import functions as F

        doc, source = load_rule_doc(job.rules), str(job.rules)
        per, glob = split_rules(doc, source)
        ddl = spark_ddl(ALERT_SCHEMA)
        parts = []
        if per:
            parts.append(df.groupBy("account_id").applyInArrow(
                lambda t: evaluate_group(doc, source, t, grouped=True), ddl))
        if glob:  # one task sees everything, in order: the price of cross-account rules
            parts.append(df.withColumn("_all", F.lit(0)).groupBy("_all").applyInArrow(
                lambda t: evaluate_group(doc, source, t, grouped=False), ddl))
        rows: list[dict] = []
        for part in parts:
            try:
                rows.extend(part.toArrow().to_pylist())
            except Exception as exc:
                raise _translate(exc, str(job.log)) from None
        return sort_rows(rows)

    def stop(self) -> None:
        if self._spark is not None:
            self._spark.stop()
            self._spark = None
