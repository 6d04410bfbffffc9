"""Sentence encoder served with onnxruntime and the ``tokenizers`` library (no PyTorch).

The ONNX graph (see ``flagstone.training.export``) returns mean-pooled, L2-normalised embeddings.
Texts are sorted by length and batched so padding stays short; truncation is at ``max_tokens``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from flagstone.errors import ModelError


class OnnxEncoder:
    """Map texts to unit-length embeddings with an exported sentence-transformers model."""

    def __init__(self, onnx_path: Path, tokenizer_path: Path, *, max_tokens: int = 256, threads: int = 0,
                 batch_size: int = 64) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        try:
            self._tok = Tokenizer.from_file(str(tokenizer_path))
        except Exception as exc:  # tokenizers raises a bare Exception on bad files
            raise ModelError(f"{tokenizer_path}: cannot load tokenizer: {exc}") from exc
        self._tok.enable_truncation(max_length=max_tokens)
        self._tok.no_padding()
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        try:
            self._sess = ort.InferenceSession(str(onnx_path), sess_options=opts,
                                              providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own non-exported exception types
            raise ModelError(f"{onnx_path}: cannot load ONNX encoder: {exc}") from exc
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.dim = int(self._sess.get_outputs()[0].shape[-1])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return float32 embeddings of shape (len(texts), dim), in input order."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encs = self._tok.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encs])
        order = np.argsort(lengths, kind="stable")
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            width = int(lengths[idx].max())
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = lengths[i]
                ids[row, :n] = encs[i].ids
                mask[row, :n] = 1
            out[idx] = self._sess.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return out
