"""Fixtures for the abuse tests: a fresh SQLite database and a record factory."""

from __future__ import annotations

import hashlib
import itertools

import pytest

from flagstone.abuse.base import RequestRecord
from flagstone.abuse.db import open_engine
from flagstone.abuse.similarity import minhash

_ids = itertools.count()


@pytest.fixture
def engine(tmp_path):
    eng = open_engine(f"sqlite:///{tmp_path / 'abuse.db'}")
    yield eng
    eng.dispose()


def make_record(ts: float, account: str = "acct", text: str = "hello there", flags: tuple[str, ...] = (),
                key_id: str = "", scores: dict[str, float] | None = None) -> RequestRecord:
    return RequestRecord(ts=ts, account=account, key_id=key_id or f"k-{account}",
                         input_hash=hashlib.sha256(text.encode()).hexdigest(), input_len=len(text),
                         scores=scores or {c: 0.9 for c in flags}, flags=flags, model_version="test",
                         signature=minhash(text), text=text, request_id=f"r{next(_ids)}")


@pytest.fixture
def rec():
    return make_record
