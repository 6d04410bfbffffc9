"""Hashed character n-gram TF-IDF features, in numpy/scipy only (shared by training and serving).

Each text is case-folded and padded with spaces; every character n-gram (n in ``ngram_range``) is
hashed with a fixed polynomial hash (not Python's salted ``hash``) into ``n_features`` buckets.
Term frequencies are sublinear (1 + log tf), multiplied by a learned IDF vector and L2-normalised.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

_PRIME = np.uint64(1_000_003)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_BATCH = 2000


def _hash_batch(texts: Sequence[str], n_features: int, ngram_range: tuple[int, int]) -> sp.csr_matrix:
    padded = [" " + t.casefold() + " " for t in texts]
    lengths = np.array([len(t) for t in padded])
    codes = np.frombuffer("\x00".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    doc = np.full(len(codes), -1, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    for i, (s, n) in enumerate(zip(starts, lengths, strict=True)):
        doc[s:s + n] = i
    rows, cols = [], []
    lo, hi = ngram_range
    with np.errstate(over="ignore"):
        for n in range(lo, hi + 1):
            m = len(codes) - n + 1
            if m <= 0:
                continue
            h = np.full(m, np.uint64(n), dtype=np.uint64)
            for k in range(n):
                h = h * _PRIME + codes[k:k + m]
            h = (h * _MIX) >> np.uint64(33)
            ok = (doc[:m] >= 0) & (doc[:m] == doc[n - 1:n - 1 + m])
            rows.append(doc[:m][ok])
            cols.append((h[ok] % np.uint64(n_features)).astype(np.int64))
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    mat = sp.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=(len(texts), n_features))
    mat.sum_duplicates()
    return mat


def char_ngram_tf(texts: Sequence[str], n_features: int, ngram_range: tuple[int, int] = (2, 5)) -> sp.csr_matrix:
    """Sublinear term frequencies, shape (len(texts), n_features), float32."""
    parts = [_hash_batch(texts[i:i + _BATCH], n_features, ngram_range) for i in range(0, len(texts), _BATCH)]
    mat = sp.vstack(parts, format="csr") if parts else sp.csr_matrix((0, n_features), dtype=np.float32)
    mat.data = 1.0 + np.log(mat.data)
    return mat.astype(np.float32)


def fit_idf(tf: sp.csr_matrix) -> np.ndarray:
    """Smoothed IDF: log((1 + n) / (1 + df)) + 1, float32."""
    df = np.bincount(tf.indices, minlength=tf.shape[1])
    return (np.log((1.0 + tf.shape[0]) / (1.0 + df)) + 1.0).astype(np.float32)


def tfidf(tf: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Apply IDF and L2-normalise each row (all-zero rows stay zero)."""
    out = tf.tocsr().astype(np.float32, copy=True)
    out.data *= idf[out.indices]  # O(nnz); broadcasting a dense 1 x n_features row was slower
    norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.diags((1.0 / norms).astype(np.float32)) @ out


class CharNgramFeaturizer:
    """Estimator-style wrapper: ``fit`` learns ``idf_``; ``transform`` gives L2-normalised TF-IDF rows."""

    def __init__(self, n_features: int = 1 << 18, ngram_range: tuple[int, int] = (2, 5)) -> None:
        self.n_features = n_features
        self.ngram_range = tuple(ngram_range)

    def fit(self, texts: Sequence[str]) -> CharNgramFeaturizer:
        self.idf_ = fit_idf(char_ngram_tf(texts, self.n_features, self.ngram_range))
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return tfidf(char_ngram_tf(texts, self.n_features, self.ngram_range), self.idf_)
