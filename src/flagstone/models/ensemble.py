"""The default model kind ``ensemble``: frozen sentence embeddings + char n-grams, linear heads, calibrated.

Scoring a batch (the same code path training uses to score its calibration split):

1. ``normalize`` every text (the model saw normalised text in training);
2. featurize: ONNX MiniLM embeddings (``embedding``), hashed char n-gram TF-IDF (``char``), the
   multilingual encoder's embeddings and, when the artifact has one, the fine-tuned encoder's logits;
3. each head gives a logit per category (``X @ coef.T + intercept``, or with a hidden layer
   ``relu(X @ hidden.T + hidden_bias) @ coef.T + intercept``); logits are averaged with the
   head weights into one raw score per category, plus ``share`` x the fine-tuned logit (:func:`raw_scores`);
4. the raw score is calibrated per category (isotonic breakpoints or Platt ``a, b``) and clipped
   into ``[1e-4, 1 - 1e-4]``.

No PyTorch and no scikit-learn: the artifact stores plain ``.npy`` arrays and JSON.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from flagstone.errors import ModelError
from flagstone.models.base import ModelInfo, check_scores
from flagstone.models.calibration import apply_isotonic, apply_platt, clip_probs
from flagstone.models.features import sparse_dot, term_frequency_rows, tfidf_rows
from flagstone.models.kinds import register_model_kind
from flagstone.models.manifest import EnsembleManifest
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.text.normalize import normalize


@dataclass(frozen=True)
class Head:
    features: str
    weight: float
    coef: np.ndarray  # (13, d), or (13, units) over a hidden layer
    intercept: np.ndarray  # (13,)
    # A hidden ReLU layer under the outputs (dense heads only; training/mlp.py): (units, d) and (units,).
    hidden: np.ndarray | None = None
    hidden_bias: np.ndarray | None = None


def head_logits(head: Head, X: Any) -> np.ndarray:
    if hasattr(X, "indptr"):  # sparse rows (char n-grams): read only the coefficients they use
        out = sparse_dot(X, head.coef.T)
    else:
        # einsum's own loops, not BLAS: a BLAS product rounds a row differently with the batch's size
        # (1e-6 in a logit), and a text's score must not depend on who shares its batch.
        if head.hidden is not None:
            X = np.maximum(np.einsum("nd,hd->nh", np.asarray(X, dtype=np.float32),
                                     head.hidden.astype(np.float32, copy=False))
                           + np.asarray(head.hidden_bias, dtype=np.float32), np.float32(0))
        out = np.einsum("nd,kd->nk", X, head.coef.astype(np.float32, copy=False))
    return np.asarray(out, dtype=np.float64) + head.intercept


def combine(heads: Sequence[Head], feats: dict[str, Any]) -> np.ndarray:
    """Weighted mean of the heads' logits: the raw score, shape (n, 13)."""
    total = sum(h.weight for h in heads)
    return sum(h.weight * head_logits(h, feats[h.features]) for h in heads) / total


FINETUNED = "finetuned"  # the feature block of the fine-tuned encoder's logits (training/finetune.py)


def raw_scores(heads: Sequence[Head], feats: dict[str, Any], finetuned_share: float = 0.0) -> np.ndarray:
    """The English raw score: the heads' weighted mean logit, plus ``finetuned_share`` x the fine-tuned
    encoder's logit when there is one (the same sum in training, OOF and serving)."""
    raw = combine(heads, feats)
    if finetuned_share:
        raw = raw + finetuned_share * np.asarray(feats[FINETUNED], dtype=np.float64)
    return raw


def calibrate(raw: np.ndarray, calibrators: Sequence[dict[str, Any]]) -> np.ndarray:
    out = np.empty_like(raw, dtype=np.float64)
    for j, cal in enumerate(calibrators):
        if cal["method"] == "isotonic":
            out[:, j] = apply_isotonic(raw[:, j], np.asarray(cal["x"]), np.asarray(cal["y"]))
            if cal.get("blend"):  # a share of a Platt fit breaks the isotonic steps' ties (fit.py)
                blend = float(cal["blend"])
                out[:, j] = (1 - blend) * out[:, j] + blend * apply_platt(raw[:, j], cal["a"], cal["b"])
        elif cal["method"] == "platt":
            out[:, j] = apply_platt(raw[:, j], cal["a"], cal["b"])
        else:
            raise ModelError(f"unknown calibration method {cal['method']!r}; available: ['isotonic', 'platt']")
    return clip_probs(out)


def mix(p_english: np.ndarray, p_multilingual: np.ndarray | None, english: np.ndarray | None) -> np.ndarray:
    """``w * p_english + (1 - w) * p_multilingual`` per text, ``w`` = P(English) (models/multilingual.py);
    the same rule in training (thresholds, OOF) and serving."""
    if p_multilingual is None or english is None:
        return p_english
    w = np.asarray(english, dtype=np.float64)[:, None]
    return w * p_english + (1 - w) * p_multilingual


class EnsembleModel:
    """A :class:`~flagstone.models.base.Moderator` over an ``ensemble`` artifact directory."""

    def __init__(self, directory: Path, manifest: dict[str, Any], version: str, *, threads: int = 0) -> None:
        self.directory = Path(directory)
        self.threads = threads
        self.manifest = manifest
        m = EnsembleManifest.model_validate(manifest) if not isinstance(manifest, EnsembleManifest) else manifest
        self.spec = m
        try:
            self.char_cfg = m.featurizers["char"]
            self.char_idf = np.load(self.directory / self.char_cfg.idf)
            # Coefficients are kept as stored (the char head as float16: 7 MB instead of 14, less for the
            # caches to hold), laid out so that one feature's 13 coefficients are adjacent: a sparse row
            # reads only the features it has and widens them (sparse_dot).
            self.heads = [Head(h.features, float(h.weight), np.ascontiguousarray(np.load(self.directory / h.coef).T).T,
                               np.load(self.directory / h.intercept).astype(np.float64),
                               *((np.load(self.directory / h.hidden), np.load(self.directory / h.hidden_bias))
                                 if h.hidden else ()))
                          for h in m.heads]
            for entry, head in zip(m.heads, self.heads, strict=True):
                if head.hidden is not None and not (
                        head.hidden.shape[0] == head.coef.shape[1] == entry.hidden_units
                        and head.hidden_bias is not None and head.hidden_bias.shape == (entry.hidden_units,)):
                    raise ValueError(f"the {entry.features} head's hidden layer does not fit its outputs: hidden "
                                     f"{head.hidden.shape}, bias {getattr(head.hidden_bias, 'shape', None)}, coef "
                                     f"{head.coef.shape}, hidden_units {entry.hidden_units}")
            self.calibrators = self._calibrators(m.calibration)
            self.ml_heads = [h for h in self.heads if h.features == "multilingual"]
            self.ml_calibrators = self._calibrators(m.multilingual.calibration) if m.multilingual else []
            thresholds = {c: float(m.thresholds[c]) for c in CATEGORIES}
        except (KeyError, OSError, ValueError) as exc:
            raise ModelError(f"{directory}: malformed ensemble artifact: {exc!r}") from exc
        self._encoders: dict[str, Any] = {}  # built on first use (_built)
        self.finetuned_share = float(m.finetuned.share) if m.finetuned else 0.0
        self._encoder_lock = threading.Lock()  # batches may be scored from two threads at once
        input_types = m.input_types or {c: ["text"] for c in CATEGORIES}
        self._info = ModelInfo(
            name=m.name, version=version, thresholds=thresholds,
            input_types={c: tuple(input_types.get(c, ["text"])) for c in CATEGORIES},
            max_tokens=int(m.encoder.max_tokens),
            sentence_min_words=m.windows.sentence_min_words, window_weight=float(m.windows.weight),
            metadata={"policy_hash": m.policy_hash, "kind": "ensemble",
                      "languages": "multilingual" if m.multilingual else "en"},
        )

    def _calibrators(self, name: str) -> list[dict[str, Any]]:
        cals = json.loads((self.directory / name).read_text())["categories"]
        return [cals[c] for c in CATEGORIES]

    @property
    def info(self) -> ModelInfo:
        return self._info

    def configure(self, *, threads: int = 0) -> EnsembleModel:
        """Set the encoder threads (``settings.inference_threads``: texts encoded side by side; 0 = one per core)."""
        if threads != self.threads:
            self.threads, self._encoders = threads, {}
        return self

    def _built(self, name: str, build: Any) -> Any:
        """The encoder ``name``, built by ``build()`` on first use (so ``configure`` can set threads first)."""
        with self._encoder_lock:
            if name not in self._encoders:
                self._encoders[name] = build()
            return self._encoders[name]

    @property
    def encoder(self) -> Any:
        """The ONNX sentence encoder (frozen MiniLM)."""
        from flagstone.models.onnx_encoder import OnnxEncoder

        cfg = self.spec.encoder
        return self._built("embedding", lambda: OnnxEncoder(self.directory / cfg.onnx, self.directory / cfg.tokenizer,
                                                             max_tokens=int(cfg.max_tokens), threads=self.threads))

    @property
    def multilingual_encoder(self) -> Any:
        from flagstone.models.multilingual import MultilingualEncoder

        cfg = self.spec.multilingual
        assert cfg is not None
        return self._built("multilingual", lambda: MultilingualEncoder(self.directory / cfg.onnx,
                                                                       max_chars=cfg.max_chars, threads=self.threads))

    @property
    def finetuned_encoder(self) -> Any:
        """The fine-tuned encoder (token ids -> one logit per category), served like the frozen one."""
        from flagstone.models.onnx_encoder import OnnxEncoder

        cfg = self.spec.finetuned
        assert cfg is not None
        return self._built(FINETUNED, lambda: OnnxEncoder(self.directory / cfg.onnx, self.directory / cfg.tokenizer,
                                                           max_tokens=int(cfg.max_tokens), threads=self.threads))

    def featurize(self, normalized: Sequence[str]) -> dict[str, Any]:
        feats: dict[str, Any] = {}
        kinds = {h.features for h in self.heads}
        if "embedding" in kinds:
            feats["embedding"] = self.encoder.encode(normalized)
        if "multilingual" in kinds:
            feats["multilingual"] = self.multilingual_encoder.encode(normalized)
        if self.finetuned_share:
            feats[FINETUNED] = self.finetuned_encoder.encode(normalized)
        tf = term_frequency_rows(normalized, int(self.char_cfg.n_features), tuple(self.char_cfg.ngram_range))
        feats["char"] = tfidf_rows(tf, self.char_idf)
        return feats

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, len(CATEGORIES)))
        normalized = [normalize(t) for t in texts]
        feats = self.featurize(normalized)
        probs = calibrate(raw_scores(self.heads, feats, self.finetuned_share), self.calibrators)
        if self.ml_heads:
            from flagstone.models.multilingual import english_weight

            # Not English: the multilingual heads alone, with their own calibration (models/multilingual.py).
            probs = mix(probs, calibrate(combine(self.ml_heads, feats), self.ml_calibrators),
                        english_weight(normalized))
        return check_scores(clip_probs(probs), len(texts))


@register_model_kind("ensemble", schema=EnsembleManifest)
def _load_ensemble(directory: Path, manifest: dict[str, Any], version: str) -> EnsembleModel:
    return EnsembleModel(directory, manifest, version)
