"""Current-label resolution: expert > people > LLM > pseudo-label > import; trust by policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flagstone.data.labels import LabelRow, resolve

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def lab(value, ann, kind, minutes, expert=False):
    return LabelRow(value, ann, kind, expert, T0 + timedelta(minutes=minutes), minutes)


def test_expert_wins_over_everything():
    rows = [lab(1, 1, "person", 0), lab(1, 2, "person", 1), lab(0, 3, "person", 2, expert=True),
            lab(1, 4, "import", 3)]
    assert resolve(rows) == 0


def test_latest_expert_label_counts():
    assert resolve([lab(0, 3, "person", 1, True), lab(1, 3, "person", 5, True)]) == 1


def test_people_majority_counts_each_person_once():
    # Person 1 said 1 twice, persons 2 and 3 said 0: majority 0.
    rows = [lab(1, 1, "person", 0), lab(1, 1, "person", 1), lab(0, 2, "person", 2), lab(0, 3, "person", 3)]
    assert resolve(rows) == 0


def test_people_tie_goes_to_latest():
    assert resolve([lab(1, 1, "person", 0), lab(0, 2, "person", 5)]) == 0
    assert resolve([lab(0, 1, "person", 0), lab(1, 2, "person", 5)]) == 1


def test_models_before_import_and_import_last():
    assert resolve([lab(1, 7, "model", 0), lab(1, 8, "model", 1), lab(0, 9, "import", 9)]) == 1
    assert resolve([lab(0, 9, "import", 0), lab(1, 9, "import", 3)]) == 1
    assert resolve([]) is None


def test_precedence_llm_over_pseudo_over_import_and_the_tier_that_decided():
    from flagstone.data.labels import resolve_with_source

    llm = lab(0, 7, "model", 1)
    pseudo = LabelRow(1, 8, "model", False, T0 + timedelta(minutes=2), 2, is_pseudo=True)
    imported = lab(1, 9, "import", 3)
    assert resolve_with_source([pseudo, llm, imported]) == (0, "llm")  # a later pseudo-label does not win
    assert resolve_with_source([pseudo, imported]) == (1, "pseudo")
    assert resolve_with_source([imported]) == (1, "import")
    assert resolve_with_source([llm, lab(1, 1, "person", 0)]) == (1, "human")  # machines never beat people
    assert resolve_with_source([lab(1, 1, "person", 0), lab(0, 3, "person", 1, True)]) == (0, "adjudicated")
    assert resolve_with_source([]) == (None, None)
