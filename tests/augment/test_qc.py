"""Each QC check, and that a clean item passes them all."""

from __future__ import annotations

from flagstone.augment.base import SyntheticItem
from flagstone.augment.qc import check_items


def _it(text: str, labels=None, origin="template:x") -> SyntheticItem:
    return SyntheticItem(text, {"violence": 1} if labels is None else labels, origin)


def test_each_reason() -> None:
    items = [
        _it("I will hurt you badly tomorrow night"),  # kept
        _it("!!! ???"),  # empty
        _it("hi"),  # length
        _it("I will hurt {target} tomorrow"),  # unfilled_slot
        _it("I'm sorry, but I can't help with that request.", origin="llm:m"),  # refusal
        _it("A perfectly fine sentence here", labels={}),  # no_labels
        _it("This is the policy's own example text"),  # leak
        _it("Already in the training data, this one"),  # duplicate of existing
        _it("i will  HURT you badly tomorrow night"),  # duplicate of an earlier item (normalised)
        _it("I will hurt you badly tomorrow night, ok"),  # near duplicate of the first (same kind)
    ]
    res = check_items(items, existing=["already in the training data, this one"],
                      policy_examples=["This is the policy's own example text"])
    assert [it.text for it in res.kept] == ["I will hurt you badly tomorrow night"]
    assert [r for _, r in res.rejected] == ["empty", "length", "unfilled_slot", "refusal", "no_labels", "leak",
                                          "duplicate", "duplicate", "near_duplicate"]
    assert res.reasons()["duplicate"] == 2


def test_near_duplicates_of_another_origin_kind_are_kept() -> None:
    a = _it("the body was left in the ditch for days", origin="template:a")
    b = _it("the body was left in the ditch for days now", origin="llm:m")
    assert len(check_items([a, b]).kept) == 2
