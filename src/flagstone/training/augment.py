"""Adversarial augmentation inside a training recipe: perturbed copies of training-split rows.

The recipe's ``augment:`` block (:class:`flagstone.augment.perturb.AugmentSpec`) says which red-team
perturbations to apply, to what share of rows and with which seed. Rules that keep evaluation honest:

- only rows of the **training split** are perturbed: never calibration rows (calibrators and thresholds
  must see the data as served) and never rows of the evaluation's dev source (their copies would leak
  a held-out fold into the k-fold training set);
- every added row is itself a training row (never calibration, never dev), carries its parent's labels
  (unknowns included) and weight, and its source is its provenance (``perturb:<attack>``);
- a copy that normalises to a text already present (the normalisation undoes most character tricks,
  and case does not count) is dropped: it would only duplicate its parent.

Same rows and spec give the same added rows in the same order (see :func:`perturb_rows`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from flagstone.augment.base import SyntheticItem
from flagstone.augment.perturb import AugmentSpec, perturb_rows
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.text.normalize import normalize, text_key
from flagstone.training.sources import UNKNOWN, Examples

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Augmented:
    """The training set with perturbed rows appended, and how each added row was made."""

    data: Examples
    weights: np.ndarray
    calib: np.ndarray
    items: list[SyntheticItem]  # one per added row, in row order (text as perturbed, before normalisation)
    dropped: int  # copies that normalised to a text already present

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for it in self.items:
            out[it.origin] = out.get(it.origin, 0) + 1
        return dict(sorted(out.items()))


def augment_training(data: Examples, weights: np.ndarray, calib: np.ndarray, spec: AugmentSpec, *,
                     dev_source: str) -> Augmented:
    """Append perturbed copies of the eligible rows (training split, not ``dev_source``) to ``data``."""
    eligible = [i for i in range(len(data)) if not calib[i] and data.sources[i] != dev_source]
    parent_of = {text_key(data.texts[i]): i for i in eligible}
    rows = [(data.texts[i], {c: int(v) for c, v in zip(CATEGORIES, data.labels[i], strict=True) if v != UNKNOWN})
            for i in eligible]
    seen = {text_key(t) for t in data.texts}
    texts, parents, items = [], [], []
    dropped = 0
    for it in perturb_rows(rows, spec):
        norm = normalize(it.text)
        key = text_key(norm)
        if not norm or key in seen:
            dropped += 1
            continue
        seen.add(key)
        texts.append(norm)
        parents.append(parent_of[it.meta["parent_key"]])
        items.append(it)
    idx = np.array(parents, dtype=np.int64)
    added = Examples(texts, data.labels[idx].reshape(len(idx), len(CATEGORIES)), [it.origin for it in items])
    out = Augmented(Examples.concat([data, added]), np.concatenate([weights, weights[idx]]),
                    np.concatenate([calib, np.zeros(len(idx), dtype=bool)]), items, dropped)
    log.info("augmentation: %d perturbed rows added from %d eligible training rows (%d copies dropped as "
             "duplicates after normalisation): %s", len(items), len(eligible), dropped, out.counts())
    return out
