"""The one extension point of batch work: an :class:`Engine` (``local`` or ``spark``), registered once.

An engine runs two jobs over files: :meth:`Engine.score` (items in, scored Parquet out, through
:func:`flagstone.scale.batch.score_batch`) and :meth:`Engine.usage` (an exported request log in,
usage aggregates out, through the SQL in :mod:`flagstone.scale.usage`). Both return frozen results.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import pyarrow as pa

from flagstone.plugins import Registry
from flagstone.settings import Settings

log = logging.getLogger(__name__)
Progress = Callable[[int], None]  # called with the number of rows just finished


@dataclass(frozen=True)
class ScoreJob:
    input: str | Path  # a .jsonl/.parquet file or a folder of them (spark: also hdfs://, s3a://... URIs)
    output: str | Path  # Parquet: one file (local) or a folder of part files (spark)
    model_dir: Path
    max_chunks: int = 16  # long texts: max over at most this many windows (settings.max_chunks_per_input)
    overwrite: bool = False


@dataclass(frozen=True)
class ScoreResult:
    rows: int
    seconds: float  # wall time of the job after start-up (workers' model loading included)
    model_id: str
    output: str | Path
    startup_seconds: float = 0.0  # engine start-up before the job (Spark: building the session)
    # Local engine: the most input rows read but not yet written at any moment (its memory bound:
    # at most 2 x workers x batch_rows, independent of the input's size). 0 where not measured (Spark).
    max_rows_held: int = 0


@dataclass(frozen=True)
class UsageJob:
    log: str | Path  # exported request log: a Parquet file or folder (spark: also a URI)
    top: int = 10
    rules: Path | None = None  # abuse rule YAML (flagstone.abuse.rules) to evaluate over the log


@dataclass(frozen=True)
class UsageReport:
    """Aggregates, small enough for the driver (one row per account, day and category at most)."""

    totals: dict  # requests, flagged, accounts, days
    rates: pa.Table  # account_id, day, category (13 + "any"), requests, flagged, rate
    top_accounts: list[dict] = field(default_factory=list)  # account_id, requests, flagged, rate
    rule_alerts: list[dict] = field(default_factory=list)  # abuse rules evaluated in batch


class ProgressLog:
    """Logs rows done and rows/s every ``every`` seconds (the CLI draws its bar from the callback)."""

    def __init__(self, source: object, start: float, every: float = 30.0) -> None:
        self.source, self.start, self.every, self.next = source, start, every, start + every

    def __call__(self, rows: int) -> None:
        now = time.perf_counter()
        if now >= self.next:
            self.next = now + self.every
            log.info("scoring %s: %d rows, %.0f rows/s", self.source, rows, rows / (now - self.start))


@runtime_checkable
class Engine(Protocol):
    name: str

    def score(self, job: ScoreJob, progress: Progress | None = None) -> ScoreResult: ...

    def usage(self, job: UsageJob) -> UsageReport: ...

    def stop(self) -> None:
        """Release what the engine keeps between jobs (worker processes, the Spark session)."""
        ...


EngineFactory = Callable[[Settings], Engine]


def _import_builtin_engines() -> None:
    # Importing registers them; the spark module imports pyspark only when a session is built.
    from flagstone.scale import local, spark  # noqa: F401


ENGINES: Registry[EngineFactory] = Registry("engine", load=_import_builtin_engines)


def register_engine(name: str) -> Callable[[EngineFactory], EngineFactory]:
    return ENGINES.register(name)


def available_engines() -> list[str]:
    return ENGINES.names()


def get_engine(name: str, settings: Settings) -> Engine:
    return ENGINES.get(name)(settings)
