"""A head with one hidden layer: sentence embeddings -> ReLU units -> one logit per category.

The linear heads fit one logistic regression per category. This one learns a hidden layer shared by the
13 categories (multi-task): each row's loss counts only the categories its source labels (-1 is masked),
weighted by the row's weight, so a thin category borrows features learned from the others. The dense heads'
noise augmentation applies per batch. Serving needs no PyTorch: the artifact stores the two layers as arrays
and ``models/ensemble.py: head_logits`` computes ``relu(x W1' + b1) W2' + b2`` with einsum.

Bagging (``bag`` in the recipe): several such layers from consecutive seeds, averaged, which is again one
layer with their units side by side (:func:`bag`); one seed's figures move by about +-0.005 dev AUPRC.

Reproducible: seeded, deterministic algorithms and a fixed number of threads give the same bytes on the same
kind of CPU (like the fine-tune, ``training/finetune.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flagstone.errors import ModelError
from flagstone.training.finetune import reproducible_torch

BATCH = 256
LEARNING_RATE = 1e-3
DROPOUT = 0.2
THREADS = 2


@dataclass(frozen=True)
class HiddenLayerHead:
    """The fitted arrays: ``hidden`` (units, d), ``hidden_bias`` (units,), ``coef`` (13, units), ``intercept`` (13,)."""

    hidden: np.ndarray
    hidden_bias: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray


def bag(layers: list[HiddenLayerHead]) -> HiddenLayerHead:
    """The mean of the layers' logits as one network: their hidden units side by side, each output row
    divided by the number of layers (``mean_k (W2_k h_k + b2_k) = [W2_1 .. W2_n] / n [h_1 .. h_n] + mean_k b2_k``)."""
    n = len(layers)
    if n == 0:
        raise ModelError("bagging needs at least one hidden layer")
    return HiddenLayerHead(np.concatenate([h.hidden for h in layers]).astype(np.float32),
                           np.concatenate([h.hidden_bias for h in layers]).astype(np.float32),
                           (np.concatenate([h.coef for h in layers], axis=1) / np.float32(n)).astype(np.float32),
                           np.mean([h.intercept for h in layers], axis=0).astype(np.float64))


def fit_hidden_layer(X: np.ndarray, labels: np.ndarray, weights: np.ndarray, *, units: int, epochs: int,
                     weight_decay: float, noise: float, seed: int) -> HiddenLayerHead:
    """Train on rows ``X`` (n, d) with ``labels`` (n, k) in {-1, 0, 1} and row ``weights`` (n,)."""
    try:
        import torch
    except ImportError as exc:
        raise ModelError("a head with a hidden layer is trained with PyTorch, from the 'train' extra: "
                         "pip install 'flagstone[train]' (torch==2.13.0 CPU wheel first)") from exc
    if len(X) == 0:
        raise ModelError("a head with a hidden layer needs training rows")
    with reproducible_torch(THREADS, seed):
        gen = torch.Generator().manual_seed(seed)
        x_all = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
        y_all = torch.from_numpy(np.clip(labels, 0, 1).astype(np.float32))
        known = torch.from_numpy((labels >= 0).astype(np.float32))
        w_all = torch.from_numpy(np.asarray(weights, dtype=np.float32))
        net = torch.nn.Sequential(torch.nn.Linear(X.shape[1], units), torch.nn.ReLU(), torch.nn.Dropout(DROPOUT),
                                  torch.nn.Linear(units, labels.shape[1]))
        opt = torch.optim.AdamW(net.parameters(), lr=LEARNING_RATE, weight_decay=weight_decay)
        scale = noise / np.sqrt(X.shape[1])
        net.train()
        for _ in range(epochs):
            order = torch.randperm(len(x_all), generator=gen)
            for start in range(0, len(order), BATCH):
                idx = order[start:start + BATCH]
                x = x_all[idx]
                if noise:  # as noisy_embeddings (training/fit.py): jitter, then back to unit length
                    x = x + torch.randn(x.shape, generator=gen) * scale
                    x = x / x.norm(dim=1, keepdim=True).clamp(min=1e-12)
                mask = known[idx] * w_all[idx, None]
                loss = torch.nn.functional.binary_cross_entropy_with_logits(net(x), y_all[idx], reduction="none")
                loss = (loss * mask).sum() / mask.sum().clamp(min=1e-12)
                opt.zero_grad()
                loss.backward()
                opt.step()
        first, last = net[0], net[3]
        return HiddenLayerHead(first.weight.detach().numpy().astype(np.float32).copy(),
                               first.bias.detach().numpy().astype(np.float32).copy(),
                               last.weight.detach().numpy().astype(np.float32).copy(),
                               last.bias.detach().numpy().astype(np.float64).copy())
