"""Sentence encoder served with onnxruntime and the ``tokenizers`` library (no PyTorch).

The ONNX graph (see ``flagstone.training.export``) returns mean-pooled, L2-normalised embeddings.
Truncation is at ``max_tokens``.

Every text is encoded on its own, never padded into a batch with others. The int8 graph quantises its
activations dynamically with one scale per tensor, so in a batch a text's embedding depended on the
other texts and their padding (cosine 0.987 against the same text alone): a request's scores changed
with whoever else's requests shared its micro-batch, and a retrained artifact with the state of the
embedding cache. One text per call makes an embedding a function of its text alone. It also costs
nothing: for short texts, batching did not pay on this CPU (one thread: 189 texts/s in batches of 64,
203 one at a time), and running texts side by side on ``threads`` threads, one onnxruntime thread
each, uses the cores better than splitting each matrix product (2 cores: 423 texts/s against 368).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from flagstone.errors import ModelError

# Names how texts are fed to the graph; part of the training embedding cache's key.
ENCODING_SCHEME = "one-text-per-call"


class OnnxEncoder:
    """Map texts to unit-length embeddings with an exported sentence-transformers model.

    ``threads``: texts encoded at the same time (0 = one per CPU core), each with one onnxruntime
    thread; the session is shared (onnxruntime sessions are safe to run from several threads).
    """

    def __init__(self, onnx_path: Path, tokenizer_path: Path, *, max_tokens: int = 256, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        try:
            self._tok = Tokenizer.from_file(str(tokenizer_path))
        except Exception as exc:  # tokenizers raises a bare Exception on bad files
            raise ModelError(f"{tokenizer_path}: cannot load tokenizer: {exc}") from exc
        self._tok.enable_truncation(max_length=max_tokens)
        self._tok.no_padding()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        try:
            self._sess = ort.InferenceSession(str(onnx_path), sess_options=opts,
                                              providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own non-exported exception types
            raise ModelError(f"{onnx_path}: cannot load ONNX encoder: {exc}") from exc
        self.max_tokens = max_tokens
        self.threads = threads or os.cpu_count() or 1
        self._pool: ThreadPoolExecutor | None = None
        self.dim = int(self._sess.get_outputs()[0].shape[-1])

    def _one(self, ids: list[int]) -> np.ndarray:
        arr = np.asarray([ids], dtype=np.int64)
        return self._sess.run(None, {"input_ids": arr, "attention_mask": np.ones_like(arr)})[0][0]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return float32 embeddings of shape (len(texts), dim), in input order."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self._tok.encode_batch(list(texts))]
        if self.threads == 1 or len(ids) == 1:
            for i, row in enumerate(ids):
                out[i] = self._one(row)
            return out
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="flagstone-encoder")
        # One task per thread, not per text: each thread runs its share of the texts in a loop, so a
        # batch costs `threads` hand-offs instead of one future per text. Shares are dealt longest
        # first, round robin, so they take about the same time.
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        shares = [order[k::self.threads] for k in range(min(self.threads, len(ids)))]

        def run(share: list[int]) -> None:
            for i in share:
                out[i] = self._one(ids[i])

        for done in [self._pool.submit(run, share) for share in shares]:
            done.result()
        return out
