"""MinHash LSH finds near duplicates, keeps different texts apart and is deterministic."""

from __future__ import annotations

import numpy as np

from flagstone.data.minhash import components, near_duplicate_groups, signatures, similarity


def test_near_duplicates_grouped_and_distinct_texts_apart():
    base = "the quick brown fox jumps over the lazy dog near the river bank every single morning"
    texts = [
        base,
        base.replace("morning", "mornin"),            # one-letter edit
        base.upper() + "!",                            # case and punctuation
        "completely unrelated sentence about cooking pasta with garlic and olive oil tonight",
        "another different text: the stock market closed higher on strong earnings reports",
    ]
    groups, pairs = near_duplicate_groups(texts)
    assert groups[0] == groups[1] == groups[2]
    assert len({groups[0], groups[3], groups[4]}) == 3
    assert all(s >= 0.8 for _, _, s in pairs)


def test_similarity_tracks_jaccard():
    a = "one two three four five six seven eight nine ten eleven twelve"
    sig = signatures([a, a, "zzzz yyyy xxxx wwww vvvv uuuu tttt ssss"])
    assert similarity(sig[0], sig[1]) == 1.0
    assert similarity(sig[0], sig[2]) < 0.2


def test_signatures_are_deterministic_and_handle_empty_and_short():
    s1 = signatures(["", "a", "hello there"])
    s2 = signatures(["", "a", "hello there"])
    assert s1.dtype == np.uint64 and np.array_equal(s1, s2)


def test_components_are_transitive():
    assert components(5, [(0, 1), (1, 2), (3, 4)]).tolist() == [0, 0, 0, 3, 3]
