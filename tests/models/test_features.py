"""Hashed char n-gram TF-IDF: stable hashing, sublinear tf, idf and L2 normalisation."""

from __future__ import annotations

import numpy as np

from flagstone.models.features import CharNgramFeaturizer, char_ngram_tf, fit_idf, tfidf


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
