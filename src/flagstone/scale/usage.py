"""Usage analytics over an exported request log, written once as SQL that DuckDB and Spark both run.

The engines differ only in how they expose the log as a relation (with ``filename`` and
``file_row_number`` columns for error messages) and in one function name (list length). Results:

* ``rates``: one row per account, UTC day and category (13 categories plus ``any``): requests,
  flagged, rate;
* ``top_accounts``: accounts with the most flagged requests;
* ``totals``: requests, flagged, accounts and days over the whole log.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from flagstone.errors import DataError
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.scale.base import UsageJob, UsageReport
from flagstone.scale.schema import REQUEST_LOG_SCHEMA, SCORE_COLUMNS, check_columns, score_column

_LEN = {"duckdb": "len", "spark": "size"}
Query = Callable[[str], pa.Table]


def duckdb_source(log: Path) -> str:
    if not log.exists():
        raise DataError("request log not found", file=str(log))
    pattern = str(log / "**" / "*.parquet") if log.is_dir() else str(log)
    quoted = pattern.replace("'", "''")
    return f"read_parquet('{quoted}', filename=true, file_row_number=true)"


def _flag_count(expr: str) -> str:
    return f"CAST(SUM(CASE WHEN {expr} THEN 1 ELSE 0 END) AS BIGINT)"


def _any_flag(dialect: str) -> str:
    return f"{_LEN[dialect]}(flags) > 0"


def bad_row_sql(source: str) -> str:
    bad_score = " OR ".join(f"{c} IS NULL OR {c} < 0 OR {c} > 1 OR isnan({c})" for c in SCORE_COLUMNS)
    return (f"SELECT filename, file_row_number, CASE WHEN account_id IS NULL THEN 'account_id is null' "
            f"WHEN ts IS NULL THEN 'ts is null' WHEN flags IS NULL THEN 'flags is null' "
            f"ELSE 'a score is null or outside [0, 1]' END AS reason FROM {source} "
            f"WHERE account_id IS NULL OR ts IS NULL OR flags IS NULL OR {bad_score} LIMIT 1")


def account_day_sql(source: str, dialect: str) -> str:
    per_cat = ", ".join(f"{_flag_count(f'array_contains(flags, {c!r})')} AS flagged_{score_column(c)[6:]}"
                        for c in CATEGORIES)
    return (f"SELECT account_id, CAST(ts AS DATE) AS day, COUNT(*) AS requests, "
            f"{_flag_count(_any_flag(dialect))} AS flagged, {per_cat} FROM {source} "
            f"GROUP BY account_id, CAST(ts AS DATE) ORDER BY account_id, day")


def top_accounts_sql(source: str, dialect: str, top: int) -> str:
    return (f"SELECT account_id, COUNT(*) AS requests, {_flag_count(_any_flag(dialect))} AS flagged "
            f"FROM {source} GROUP BY account_id ORDER BY flagged DESC, requests DESC, account_id LIMIT {int(top)}")


def to_rates(wide: pa.Table) -> pa.Table:
    """Wide per-(account, day) counts -> long rows per (account, day, category) with a rate."""
    parts = []
    for cat, col in [("any", "flagged")] + [(c, f"flagged_{score_column(c)[6:]}") for c in CATEGORIES]:
        flagged = wide.column(col)
        parts.append(pa.table({
            "account_id": wide.column("account_id"), "day": wide.column("day"),
            "category": pa.array([cat] * wide.num_rows, pa.string()),
            "requests": wide.column("requests"), "flagged": flagged,
            "rate": pc.divide(pc.cast(flagged, pa.float64()), pc.cast(wide.column("requests"), pa.float64())),
        }))
    return pa.concat_tables(parts) if parts else pa.table({})


def run(query: Query, source: str, job: UsageJob, *, dialect: str,
        alerts: Callable[[], list[dict]] | None = None) -> UsageReport:
    """Validate the log, compute the aggregates with ``query`` (the engine's SQL runner), then
    evaluate the abuse rules with ``alerts`` (the engine's rule runner) when a rule file is given."""
    check_columns(query(f"SELECT * FROM {source} LIMIT 0").schema, REQUEST_LOG_SCHEMA, file=str(job.log))
    bad = query(bad_row_sql(source)).to_pylist()
    if bad:
        raise DataError(bad[0]["reason"], file=bad[0]["filename"], row=int(bad[0]["file_row_number"]) + 1)
    wide = query(account_day_sql(source, dialect))
    top = query(top_accounts_sql(source, dialect, job.top)).to_pylist()
    for row in top:
        row["rate"] = row["flagged"] / row["requests"] if row["requests"] else 0.0
    totals = {
        "requests": int(pc.sum(wide.column("requests")).as_py() or 0),
        "flagged": int(pc.sum(wide.column("flagged")).as_py() or 0),
        "accounts": len(pc.unique(wide.column("account_id"))),
        "days": len(pc.unique(wide.column("day"))),
    }
    rule_alerts = alerts() if (alerts is not None and job.rules is not None) else []
    return UsageReport(totals=totals, rates=to_rates(wide), top_accounts=top, rule_alerts=rule_alerts)
