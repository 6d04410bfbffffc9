"""Fixtures for the scale tests: the keyword model artifact, inputs, and a request log with known counts."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flagstone.abuse.base import RequestRecord
from flagstone.abuse.similarity import minhash
from flagstone.scale.logfile import write_request_log
from flagstone.settings import load_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scale"
DAY1 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC).timestamp()
DAY2 = DAY1 + 86_400


@pytest.fixture(scope="session")
def model_dir() -> Path:
    return FIXTURES / "keyword_model"


@pytest.fixture(scope="session")
def items_jsonl() -> Path:
    return FIXTURES / "items.jsonl"


@pytest.fixture(scope="session")
def rules_file() -> Path:
    return FIXTURES / "rules.yaml"


@pytest.fixture
def items_parquet(tmp_path, items_jsonl) -> Path:
    rows = [json.loads(line) for line in items_jsonl.read_text().splitlines()]
    path = tmp_path / "items.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def settings(**kw):
    return load_settings(None, **kw)


def record(ts: float, account: str, text: str, flags: tuple[str, ...] = (), n: int = 0) -> RequestRecord:
    return RequestRecord(ts=ts, account=account, key_id=f"k-{account}",
                         input_hash=hashlib.sha256(text.encode()).hexdigest(), input_len=len(text),
                         scores={c: 0.9 for c in flags}, flags=flags, model_version="test@1",
                         signature=minhash(text), request_id=f"r{n:05d}")


def log_records() -> list[RequestRecord]:
    """alice: day 1 10 requests, 4 violence (3 within 10 minutes); day 2 5 requests, 1 hate.
    bob: day 1 6 requests, none flagged. carol, dave, erin: the same flagged text within minutes."""
    recs: list[RequestRecord] = []
    n = iter(range(10_000))
    for i in range(10):
        flags = ("violence",) if i in (0, 1, 2, 9) else ()
        recs.append(record(DAY1 + i * 60, "alice", f"message number {i}", flags, next(n)))
    for i in range(5):
        recs.append(record(DAY2 + i * 60, "alice", f"day two {i}", ("hate",) if i == 0 else (), next(n)))
    for i in range(6):
        recs.append(record(DAY1 + 30 + i * 60, "bob", f"bob says hi {i}", (), next(n)))
    campaign = "buy followers now, you filthy idiots, at scam dot example"
    for i, acct in enumerate(("carol", "dave", "erin")):
        recs.append(record(DAY1 + 3_000 + i * 20, acct, campaign, ("harassment",), next(n)))
    return recs


@pytest.fixture
def request_log(tmp_path) -> Path:
    path = tmp_path / "requests.parquet"
    write_request_log(log_records(), path)
    return path


def spark_available() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return True


def require_spark() -> None:
    """In CI the Spark tests must run; elsewhere they skip, with the reason, when pyspark is missing."""
    if not spark_available():
        if os.environ.get("CI"):
            pytest.fail("pyspark is not importable but CI is set: the spark tests must run in CI")
        pytest.skip("pyspark not installed (pip install 'flagstone[spark]'); CI runs these")
