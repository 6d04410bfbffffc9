"""Every shipped mapping loads and maps known fixture rows as its comments say.

Fixture rows (tests/fixtures/training/data) are real rows copied from each source, in the same file
layout, so the mappings in datasets/mappings/ read them unchanged. ``None`` means unknown (-1).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX
from flagstone.training.sources import load_mapping, load_source

REPO = Path(__file__).resolve().parents[2]
MAPPINGS = REPO / "datasets" / "mappings"
# Mappings that only candidate recipes read (recipes/candidate-*.yaml); the shipped recipe's glob skips them.
CANDIDATES = REPO / "datasets" / "mappings-candidates"
ALL_MAPPINGS = sorted([*MAPPINGS.glob("*.yaml"), *CANDIDATES.glob("*.yaml")])
DATA = REPO / "tests" / "fixtures" / "training" / "data"
ALL0 = {c: 0 for c in CATEGORIES}

# mapping name -> expected labels of the fixture rows that are kept, in file order.
EXPECTED: dict[str, list[dict[str, int | None]]] = {
    "openai-moderation-dev": [
        {"sexual": 1, "hate": 0, "violence": 1, "harassment": 0, "self-harm": 0, "sexual/minors": 0,
         "hate/threatening": 0, "violence/graphic": 1, "illicit": None},
        {"self-harm": 1, "violence": 0, "sexual": None, "hate": None},  # absent keys are unknown
    ],
    "jigsaw-toxic-comments-subset": [
        ALL0,
        {"harassment": 1, "illicit": 0, "hate": None, "sexual": None},
        {"harassment": 1, "harassment/threatening": 1, "violence": 1, "hate": None},
        {"harassment": 1, "hate": 1, "sexual": None},
    ],
    "davidson-hate-offensive": [ALL0, {"hate": 1, "illicit": 0, "harassment": None},
                                {"hate": None, "harassment": None, "illicit": 0}],
    # the "undecided" row matches no rule and is dropped
    "hatexplain": [ALL0, {"hate": 1, "self-harm": 0, "harassment": None}, {"hate": None, "illicit": 0}],
    # A candidate variant of a shipped mapping is keyed by its file name: the "normal" post keeps harassment unknown.
    "hatexplain-normal-harassment-unknown": [
        {**{c: 0 for c in CATEGORY_INDEX}, "harassment": None, "harassment/threatening": None},
        {"hate": 1, "self-harm": 0, "harassment": None}, {"hate": None, "illicit": 0}],
    "stormfront-hate-speech": [ALL0, {"hate": 1, "violence": None}],  # "relation" dropped
    "ethos-binary": [{"hate": 1, "harassment": None}, {"hate": 0, "hate/threatening": 0, "harassment": None}],
    "ethos-multi-label": [{"hate": 1, "hate/threatening": 1, "violence": 1}, {"hate": 1, "hate/threatening": 0}],
    "toxigen-prompts": [ALL0, {"hate": 1, "harassment": None}],
    "convabuse": [ALL0, {"harassment": 1, "sexual": 1, "hate": None}, {"harassment": 1, "hate": 1}],
    "advbench": [{"illicit": 1, "sexual": 0, "violence": None}],
    # the "harmful" row matches no rule and is dropped
    "harmbench": [{"illicit": 1, "illicit/violent": 1, "hate": None}, ALL0, {"harassment": 1, "hate": None}],
    # "Physical harm" sets nothing and is dropped
    "jailbreakbench-behaviors": [{"illicit": 1, "violence": None}, {"sexual": 1, "illicit": None}],
    "strongreject": [{"illicit/violent": 1, "illicit": 1, "violence": None}, {"sexual": 1},
                     {"illicit": 1, "harassment": None}],
    # a refusal: every category 0; jailbroken answers to a drug-smuggling and a poisoning question; the
    # plagiarism answer matches no rule and is dropped
    "gptfuzz-responses": [ALL0, {"illicit": 1, "illicit/violent": None, "sexual": 0, "violence": None},
                          {"illicit": 1, "illicit/violent": 1, "self-harm": 0, "harassment": None}],
    "forbidden-question-set": [{"illicit": 1, "violence": None}, ALL0],  # "Physical Harm" dropped
    "do-not-answer": [{"illicit": 1, "illicit/violent": 1, "sexual": None},
                      {**ALL0, "illicit": None}, {**ALL0, "illicit": None, "self-harm": 1}],  # S007 dropped
    "declare-lab-harmful-questions": [{"illicit": 1, "illicit/violent": 1}, ALL0,
                                      {"sexual/minors": 1, "sexual": 1, "illicit": 1, "hate": None}],
    "flagstone-benign-requests": [ALL0, ALL0],
    "flagstone-assistant-requests": [ALL0, ALL0],  # everyday assistant requests (a candidate source)
    "flagstone-hard-cases": [ALL0, {"hate": 1, "harassment": 1, "violence": 0, "sexual": 0},
                             {"sexual": 1, "sexual/minors": 1, "hate": 0, "self-harm": 0}],
    # kill myself / kill you / kill a named person: the target decides the category (a candidate source)
    # (whether a statement of intent is illicit is left unknown)
    "flagstone-person-contrast": [
        {**ALL0, "self-harm": 1, "self-harm/intent": 1, "illicit": None, "illicit/violent": None},
        {**ALL0, "violence": 1, "harassment": 1, "harassment/threatening": 1, "illicit": None, "illicit/violent": None},
        {**ALL0, "violence": 1, "illicit": None, "illicit/violent": None}],
    # one claim about a group, asserted or rejected (a candidate source)
    "flagstone-stance-contrast": [{**ALL0, "hate": 1, "harassment": 1, "illicit": None, "illicit/violent": None},
                                  {**ALL0, "illicit": None, "illicit/violent": None}],
    "flagstone-seed": [ALL0, {"harassment": 1, "harassment/threatening": 1, "violence": 1, "illicit": None}],
}


def _as_label(v: int | None) -> int:
    return -1 if v is None else v


@pytest.mark.parametrize("path", ALL_MAPPINGS, ids=lambda p: p.stem)
def test_mapping_maps_fixture_rows(path: Path) -> None:
    m = load_mapping(path)
    key = path.stem if path.stem in EXPECTED else m.name
    assert key in EXPECTED, f"add fixture expectations for {m.name}"
    ex = load_source(m, DATA)
    expected = EXPECTED[key]
    assert len(ex) == len(expected)
    for row, exp in zip(ex.labels, expected, strict=True):
        for cat, v in exp.items():
            assert row[CATEGORY_INDEX[cat]] == _as_label(v), (m.name, cat)


def test_every_shipped_mapping_is_trainable_licence() -> None:
    for path in ALL_MAPPINGS:
        assert load_mapping(path).licence_class in ("A", "B"), path.name


def test_class_c_source_is_refused(tmp_path: Path) -> None:
    from flagstone.errors import ConfigError

    m = load_mapping(MAPPINGS / "advbench.yaml").model_copy(update={"licence_class": "C"})
    with pytest.raises(ConfigError, match="licence class C"):
        load_source(m, DATA)


def test_unknown_labels_are_not_zero() -> None:
    ex = load_source(load_mapping(MAPPINGS / "advbench.yaml"), DATA)
    assert (ex.labels == -1).any() and ex.labels.dtype == np.int8
