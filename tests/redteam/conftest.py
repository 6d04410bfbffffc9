"""Fixtures for red-team tests: the shipped seed fixture and a keyword model that reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from flagstone.evaluation.labelled import LabelledSet, load_labelled
from flagstone.models.fakes import KeywordModel
from flagstone.models.kinds import load_model

RT_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "redteam"


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, monkeypatch) -> None:
    """Runs queue their failures in the store: keep it under tmp_path, never in the working folder."""
    monkeypatch.setenv("FLAGSTONE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("FLAGSTONE_DATABASE_URL", raising=False)


@pytest.fixture
def seeds() -> LabelledSet:
    return load_labelled(RT_FIXTURES / "seeds.jsonl")


@pytest.fixture
def keyword_model() -> KeywordModel:
    return load_model(RT_FIXTURES / "keyword_model")  # type: ignore[return-value]


@pytest.fixture
def model_dir() -> Path:
    return RT_FIXTURES / "keyword_model"


@pytest.fixture
def seeds_path() -> Path:
    return RT_FIXTURES / "seeds.jsonl"
