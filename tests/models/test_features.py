"""Hashed char n-gram TF-IDF: stable hashing, sublinear tf, idf and L2 normalisation."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from flagstone.models.features import (
    CharNgramFeaturizer,
    Rows,
    char_ngram_tf,
    fit_idf,
    sparse_dot,
    term_frequency_rows,
    tfidf,
    tfidf_rows,
)


def test_counts_only_ngrams_inside_each_text() -> None:
    tf = char_ngram_tf(["ab", "ab"], 1 << 20, (2, 2))
    # " ab " has the 2-grams " a", "ab", "b " and nothing crosses into the next text
    assert tf.shape == (2, 1 << 20)
    assert tf[0].nnz == 3 and (tf[0] != tf[1]).nnz == 0


def test_sublinear_tf_and_case_folding() -> None:
    tf = char_ngram_tf(["aaaa", "AAAA"], 1 << 20, (2, 2))
    # " a", "aa" x3, "a ": the repeated gram scores 1 + log 3
    assert np.isclose(tf[0].data.max(), 1 + np.log(3), atol=1e-6)
    assert (tf[0] != tf[1]).nnz == 0


def test_hash_is_stable_across_calls() -> None:
    a = char_ngram_tf(["hello world"], 1 << 18)
    b = char_ngram_tf(["hello world"], 1 << 18)
    assert np.array_equal(a.indices, b.indices)
    # a fixed bucket: Python's salted hash() would move it between processes
    assert sorted(char_ngram_tf(["ab"], 1 << 18, (2, 2)).indices.tolist()) == \
        sorted(char_ngram_tf(["ab"], 1 << 18, (2, 2)).indices.tolist())


def test_idf_and_l2() -> None:
    tf = char_ngram_tf(["good day", "bad day", ""], 1 << 16)
    idf = fit_idf(tf)
    X = tfidf(tf, idf)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    np.testing.assert_allclose(norms, 1, atol=1e-5)
    assert tf[2].nnz == 1  # the empty text is just its padding: the single 2-gram "  "
    assert idf.max() > idf[tf[0].indices].min()  # rarer grams weigh more


def test_featurizer_estimator_protocol() -> None:
    f = CharNgramFeaturizer(n_features=1 << 12).fit(["one text", "another text"])
    assert f.idf_.shape == (1 << 12,)
    assert f.transform(["new text"]).shape == (1, 1 << 12)


def _reference_tf(texts, n_features, ngram_range):
    """Plain-Python term frequencies: the definition the numpy code must match."""
    import math
    from collections import Counter

    from flagstone.models.features import _MIX, _PRIME

    rows = []
    for text in texts:
        padded = " " + text.casefold() + " "
        counts: Counter = Counter()
        for n in range(ngram_range[0], ngram_range[1] + 1):
            for i in range(len(padded) - n + 1):
                h = n
                for ch in padded[i:i + n]:
                    h = (h * int(_PRIME) + ord(ch)) % (1 << 64)
                counts[((h * int(_MIX)) % (1 << 64) >> 33) % n_features] += 1
        rows.append({k: np.float32(1.0) + np.log(np.float32(v)) for k, v in counts.items()})
        assert all(math.isfinite(v) for v in rows[-1].values())
    return rows


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=6))
def test_rows_match_the_definition_and_scipy(texts):
    tf = term_frequency_rows(texts, 1 << 12, (2, 4))
    for i, expected in enumerate(_reference_tf(texts, 1 << 12, (2, 4))):
        span = slice(tf.indptr[i], tf.indptr[i + 1])
        assert list(tf.indices[span]) == sorted(expected)  # sorted, no duplicates
        np.testing.assert_array_equal(tf.data[span], [expected[k] for k in sorted(expected)])
    idf = np.random.default_rng(0).uniform(1, 5, 1 << 12).astype(np.float32)
    X = tfidf_rows(tf, idf)
    dense = tf.tocsr().toarray() * idf
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    np.testing.assert_allclose(X.tocsr().toarray(), dense / np.where(norms == 0, 1, norms), rtol=1e-5, atol=1e-7)
    W = np.random.default_rng(1).normal(size=(1 << 12, 13)).astype(np.float16)
    np.testing.assert_allclose(sparse_dot(X, W), X.tocsr() @ W.astype(np.float32), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(sparse_dot(X.tocsr(), W), sparse_dot(X, W), rtol=1e-6, atol=1e-7)


def test_sparse_dot_with_empty_rows_anywhere():
    # rows 0, 2 and 4 are empty (including the last): they score 0, the others their own entries
    X = Rows(np.array([2.0, 3.0], dtype=np.float32), np.array([1, 0]), np.array([0, 0, 1, 1, 2, 2]), (5, 3))
    W = np.arange(6, dtype=np.float32).reshape(3, 2)
    np.testing.assert_array_equal(sparse_dot(X, W), [[0, 0], [4, 6], [0, 0], [0, 3], [0, 0]])
    np.testing.assert_array_equal(tfidf_rows(X, np.ones(3, dtype=np.float32)).data, [1.0, 1.0])
    assert term_frequency_rows([], 16).shape == (0, 16)


def test_rows_are_the_same_across_the_internal_batches():
    texts = [f"text number {i} " + "ab" * (i % 7) for i in range(4100)]  # three batches of counting
    whole = term_frequency_rows(texts, 1 << 14).tocsr()
    for i in (0, 1999, 2000, 2001, 4099):
        one = term_frequency_rows([texts[i]], 1 << 14).tocsr()
        assert list(whole[i].indices) == list(one.indices)
        np.testing.assert_array_equal(whole[i].data, one.data)
    assert whole.shape == (4100, 1 << 14) and whole.has_sorted_indices


def test_sparse_dot_in_blocks_gives_the_same_bits_and_bounded_temporaries(monkeypatch) -> None:
    import tracemalloc

    import flagstone.models.features as features

    rng = np.random.default_rng(3)
    texts = [" ".join(f"w{rng.integers(0, 900)}" for _ in range(rng.integers(0, 60))) for _ in range(3000)]
    texts[17] = "x" * 5000  # one row longer than a whole block
    X = tfidf_rows(term_frequency_rows(texts, 1 << 18), np.ones(1 << 18, dtype=np.float32))
    W = rng.standard_normal((1 << 18, 13)).astype(np.float16)
    assert len(X.indices) > 8 * features._DOT_BLOCK
    blocked = sparse_dot(X, W)
    one_by_one = np.vstack([sparse_dot(Rows(X.data[a:b], X.indices[a:b], np.array([0, b - a]), (1, X.shape[1])), W)
                            for a, b in zip(X.indptr[:-1], X.indptr[1:], strict=True)])
    np.testing.assert_array_equal(blocked, one_by_one)  # every row summed alone: blocking moves no bit
    monkeypatch.setattr(features, "_DOT_BLOCK", 1000)  # smaller blocks than the long row: still exact
    np.testing.assert_array_equal(sparse_dot(X, W), blocked)
    monkeypatch.undo()

    tracemalloc.start()
    try:
        sparse_dot(X, W)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # one block: the float16 rows read, widened to float32, and their product with the entries
    block = features._DOT_BLOCK * 13 * (2 + 4 + 4)
    unblocked = len(X.indices) * 13 * (2 + 4 + 4)  # the same for all entries at once, as before
    assert peak < block + X.shape[0] * 13 * 4 + (1 << 20) < unblocked / 4
