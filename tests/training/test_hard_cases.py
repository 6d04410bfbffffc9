"""The hand-written hard cases (datasets/flagstone-hard-cases) rebuild exactly, load through their mapping,
and keep the taxonomy's hierarchy (a sub-category's positives are positives of its parent)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
from tests.scripts import load_script

from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX
from flagstone.training.dataset import PARENT
from flagstone.training.sources import load_mapping, load_source

REPO = Path(__file__).resolve().parents[2]
DIR = REPO / "datasets" / "flagstone-hard-cases"


def _generator():
    return load_script(DIR / "generate.py", "hard_cases_generate")


def test_generator_rebuilds_the_file_byte_for_byte() -> None:
    gen = _generator()
    assert gen.render(gen.build()) == (DIR / "hard_cases.jsonl").read_text(encoding="utf-8")
    assert gen.render(gen.build_contrast()) == (DIR / "person_contrast.jsonl").read_text(encoding="utf-8")
    assert gen.render(gen.build_stance()) == (DIR / "stance_contrast.jsonl").read_text(encoding="utf-8")
    assert tuple(gen.CATEGORIES) == CATEGORIES


def test_rows_load_with_every_category_known_and_both_polarities() -> None:
    ex = load_source(load_mapping(REPO / "datasets" / "mappings" / "flagstone-hard-cases.yaml"), REPO / "datasets")
    assert len(ex) > 300 and (ex.labels >= 0).all()  # every row says yes or no for all 13
    negatives = (ex.labels == 0).all(axis=1)
    assert 0.3 < negatives.mean() < 0.8
    for child, parent in PARENT.items():
        c, p = CATEGORY_INDEX[child], CATEGORY_INDEX[parent]
        assert not np.any((ex.labels[:, c] == 1) & (ex.labels[:, p] == 0)), child
    counts = Counter(CATEGORIES[j] for j in np.flatnonzero(ex.labels.max(axis=0) == 1))
    assert {"violence", "hate", "harassment", "self-harm", "sexual/minors"} <= set(counts)


def test_no_row_is_a_functional_suite_item() -> None:
    """Training rows and the functional test suite were written apart; none may coincide."""
    import json

    suite = REPO / "suites" / "functional" / "items.jsonl"
    if not suite.is_file():
        return
    key = _generator()._key if hasattr(_generator(), "_key") else None
    norm = key or (lambda s: "".join(ch for ch in s.lower() if ch.isalnum()))
    tests = {norm(json.loads(line)["text"]) for line in suite.read_text(encoding="utf-8").splitlines() if line}
    for name in ("hard_cases.jsonl", "person_contrast.jsonl", "stance_contrast.jsonl"):
        rows = [json.loads(line)["text"] for line in (DIR / name).read_text(encoding="utf-8").splitlines()]
        assert not [t for t in rows if norm(t) in tests], name


def test_person_contrast_pairs_differ_only_in_the_target() -> None:
    """Every frame appears with all three targets, and the target alone decides the labels: "myself" is self-harm
    with intent and never violence; "you" is a threat; a named person is violence; neither is ever self-harm.
    Whether a statement of intent is illicit is not what the pairs are about: unknown, every other category known."""
    ex = load_source(load_mapping(REPO / "datasets" / "mappings-candidates" / "flagstone-person-contrast.yaml"),
                     REPO / "datasets")
    illicit = [CATEGORY_INDEX[c] for c in CATEGORIES if c.startswith("illicit")]
    known = [j for j in range(len(CATEGORIES)) if j not in illicit]
    assert (ex.labels[:, illicit] == -1).all() and (ex.labels[:, known] >= 0).all()
    col = {c: ex.labels[:, CATEGORY_INDEX[c]] for c in ("self-harm", "self-harm/intent", "violence",
                                                        "harassment/threatening")}
    self_rows = np.array([" myself" in t or " my own " in t for t in ex.texts])
    you_rows = np.array([" you" in t.replace("your", "you") for t in ex.texts]) & ~self_rows
    assert self_rows.sum() >= 12 and you_rows.sum() >= 12 and (~self_rows & ~you_rows).sum() >= 12
    assert (col["self-harm"][self_rows] == 1).all() and (col["self-harm/intent"][self_rows] == 1).all()
    assert (col["violence"][self_rows] == 0).all()
    assert (col["self-harm"][~self_rows] == 0).all() and (col["violence"][~self_rows] == 1).all()
    assert (col["harassment/threatening"][you_rows] == 1).all()
    gen = _generator()
    for frame in gen.CONTRAST_FRAMES:
        stem = frame.split("{")[0][:12].lower()
        classes = {r["class"] for r in gen.build_contrast() if r["text"].lower().startswith(stem)}
        assert classes == {"target-self", "target-you", "target-person"}, frame


def test_stance_pairs_assert_or_reject_the_same_claim_about_the_same_group() -> None:
    """Every claim is asserted (hate, harassment) and rejected (all 0) with the same group; negation words occur on
    the asserted side too, so "not" alone cannot decide; illicit is unknown, every other category known."""
    gen = _generator()
    rows = gen.build_stance()
    ex = load_source(load_mapping(REPO / "datasets" / "mappings-candidates" / "flagstone-stance-contrast.yaml"),
                     REPO / "datasets")
    assert len(ex) == len(rows) == len(gen.CLAIMS) * gen.STANCE_GROUPS_PER_CLAIM * 2
    illicit = [CATEGORY_INDEX[c] for c in CATEGORIES if c.startswith("illicit")]
    known = [j for j in range(len(CATEGORIES)) if j not in illicit]
    assert (ex.labels[:, illicit] == -1).all() and (ex.labels[:, known] >= 0).all()
    hate, harassment = ex.labels[:, CATEGORY_INDEX["hate"]], ex.labels[:, CATEGORY_INDEX["harassment"]]
    asserted = np.array([r["class"] == "stance-assert" for r in rows])
    assert asserted.sum() == (~asserted).sum()
    assert (hate[asserted] == 1).all() and (harassment[asserted] == 1).all()
    assert (ex.labels[~asserted][:, known] == 0).all()
    for a, r in zip(rows[::2], rows[1::2], strict=True):  # each pair: the same claim and group, two stances
        claim = next(c for c in gen.CLAIMS if c.split("{g}")[1] in a["text"] and c.split("{g}")[1] in r["text"])
        group = a["text"].split(claim.split("{g}")[1])[0].split()[-1]
        assert group in r["text"] and (a["class"], r["class"]) == ("stance-assert", "stance-reject")
    assert any(" not " in r["text"] for r in rows if r["class"] == "stance-assert")
