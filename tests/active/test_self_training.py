"""Pseudo-labels only for items confident on every category, always marked as pseudo."""

from __future__ import annotations

import numpy as np
import pytest

from flagstone.active.self_training import pseudo_labels
from flagstone.errors import InvalidRequestError


def test_only_fully_confident_items_get_pseudo_labels_marked_as_such():
    scores = np.array([[0.99, 0.01], [0.99, 0.5], [0.001, 0.0]])
    out = pseudo_labels(["k1", "k2", "k3"], scores, ["hate", "sexual"], model_id="m@1")
    assert [p.item_key for p in out] == ["k1", "k3"]
    assert out[0].labels == {"hate": True, "sexual": False}
    assert all(p.source == "pseudo" and p.annotator == "model:m@1" for p in out)
    assert out[0].confidence == pytest.approx(0.98)  # 0.99 and 0.01 are both 0.49 from 0.5


@pytest.mark.parametrize(("kw", "msg"), [({"high": 0.4}, "low < 0.5 < high"), ({"low": 0.6}, "low < 0.5")])
def test_bad_cut_offs_are_rejected(kw, msg):
    with pytest.raises(InvalidRequestError, match=msg):
        pseudo_labels(["k"], np.zeros((1, 1)), ["hate"], model_id="m", **kw)


def test_shape_mismatch_is_rejected():
    with pytest.raises(InvalidRequestError, match="shape"):
        pseudo_labels(["k"], np.zeros((2, 1)), ["hate"], model_id="m")
