"""``flagstone score``: batch-score a JSONL/Parquet file (or folder) into Parquet, locally or on Spark.

Output columns: ``id``, 13 ``score_<category>`` columns, ``flags``, ``flagged``, ``model_version``.
The local engine writes one Parquet file; Spark writes a folder of part files. A bad input row
stops the job with an error naming the file and row, and no output is left behind.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flagstone.settings import Settings


def add_engine_args(p: argparse.ArgumentParser) -> None:
    """Engine flags shared with ``flagstone analyze``."""
    from flagstone.scale.base import available_engines

    p.add_argument("--engine", default="local", choices=available_engines(), help="where the job runs")
    p.add_argument("--spark-master", help="Spark master URL (default: settings.spark_master, local[2])")
    p.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE",
                   help="extra Spark config (repeatable); added to settings.spark_conf")
    p.add_argument("--workers", type=int, help="local engine: worker processes (default: one per core)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")


def engine_settings(args: argparse.Namespace, *, spark_console_progress: bool = True) -> Settings:
    """``args.settings`` (loaded once by ``cli/main.py``) with the engine flags applied.
    ``spark_console_progress``: Spark's own stage bar on stderr unless ``--quiet`` (``score`` draws its
    own bar of rows instead)."""
    base: Settings = args.settings
    conf = dict(base.spark_conf)
    for item in args.spark_conf:
        key, sep, value = item.partition("=")
        if not sep or not key:
            from flagstone.errors import ConfigError

            raise ConfigError(f"--spark-conf expects KEY=VALUE, got {item!r}")
        conf[key] = value
    if spark_console_progress and not args.quiet:  # Spark's own stage progress bar, on stderr
        conf.setdefault("spark.ui.showConsoleProgress", "true")
    return base.with_overrides(spark_master=args.spark_master, spark_conf=conf, scale_workers=args.workers,
                               scale_batch_rows=getattr(args, "batch_rows", None))


def _run(args: argparse.Namespace) -> int:
    from flagstone.cli._progress import Progress
    from flagstone.scale.base import ScoreJob, get_engine
    from flagstone.scale.readers import count_rows

    settings = engine_settings(args, spark_console_progress=False)
    engine = get_engine(args.engine, settings)
    job = ScoreJob(input=args.input, output=args.output,
                   model_dir=Path(args.model) if args.model else settings.model_dir,
                   max_chunks=settings.max_chunks_per_input, overwrite=args.overwrite)
    try:
        if args.quiet:
            result = engine.score(job)
        else:  # rows, rows/s and ETA; on Spark the count moves as each task ends
            total = None if _is_uri(str(job.input)) else count_rows(Path(job.input))
            with Progress(total, label="scoring") as bar:
                result = engine.score(job, bar.update)
    finally:
        engine.stop()
    rate = result.rows / result.seconds if result.seconds else 0.0
    print(f"scored {result.rows} texts in {result.seconds:.1f}s ({rate:,.0f} texts/s"
          + (f", after {result.startup_seconds:.1f}s start-up" if result.startup_seconds else "")
          + f") with {result.model_id} -> {result.output}", file=sys.stderr)
    return 0


def _is_uri(path: str) -> bool:
    return "://" in path  # hdfs://, s3a://...: Spark reads it; counting rows here would need its client


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("score", help="batch-score a JSONL/Parquet file into Parquet (local or Spark)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--input", required=True, help=".jsonl/.parquet file, or a folder of them (id, text)")
    p.add_argument("--output", required=True, help="Parquet output (a file locally, a folder on Spark)")
    p.add_argument("--model", help="model artifact folder (default: settings.model_dir)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output")
    p.add_argument("--batch-rows", type=int, help="rows per Arrow batch (local engine)")
    add_engine_args(p)
    p.set_defaults(func=_run)
