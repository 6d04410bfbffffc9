"""Disk cache of sentence embeddings, keyed by (encoder file hash, text hash).

Embedding is the slow step of training; a rerun with the same encoder and texts does no encoder work.
The cache is a folder of shards (``<hash>.npy`` + ``<hash>.keys``), one per batch of new texts.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    def __init__(self, directory: Path, encoder_hash: str) -> None:
        self.dir = Path(directory) / encoder_hash[:16]
        self.dir.mkdir(parents=True, exist_ok=True)
        self._index: dict[str, tuple[int, int]] = {}
        self._shards: list[np.ndarray] = []
        for keys_file in sorted(self.dir.glob("*.keys")):
            arr_file = keys_file.with_suffix(".npy")
            if not arr_file.is_file():
                continue
            arr = np.load(arr_file)
            keys = keys_file.read_text().split()
            if len(keys) != len(arr):  # a half-written shard: ignore it, it will be recomputed
                log.warning("ignoring inconsistent cache shard %s", keys_file)
                continue
            s = len(self._shards)
            self._shards.append(arr)
            self._index.update({k: (s, i) for i, k in enumerate(keys)})

    def get(self, texts: Sequence[str], encode: Callable[[Sequence[str]], np.ndarray],
            chunk: int = 2048) -> np.ndarray:
        """Embeddings of ``texts`` (in order), encoding and storing only the ones not cached yet."""
        keys = [_key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self._index}.items())
        for start in range(0, len(missing), chunk):
            part = missing[start:start + chunk]
            arr = encode([t for _, t in part]).astype(np.float32)
            name = hashlib.sha256("".join(k for k, _ in part).encode()).hexdigest()[:24]
            np.save(self.dir / f"{name}.npy", arr)
            (self.dir / f"{name}.keys").write_text("\n".join(k for k, _ in part) + "\n")
            s = len(self._shards)
            self._shards.append(arr)
            self._index.update({k: (s, i) for i, (k, _) in enumerate(part)})
            log.info("embedded %d/%d new texts", min(start + chunk, len(missing)), len(missing))
        if not texts:
            return np.zeros((0, self._shards[0].shape[1] if self._shards else 0), dtype=np.float32)
        return np.stack([self._shards[s][i] for s, i in (self._index[k] for k in keys)])
