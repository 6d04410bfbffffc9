"""The one extension point for anything that scores images: an :class:`ImageModerator`, and its registry.

An image moderator returns, for each image, one row of 13 scores in
``flagstone.policy.taxonomy.CATEGORIES`` order. Only the categories listed in ``info.categories``
are scored; the others hold ``nan`` ("this model says nothing about it"), never 0 ("looked, found
nothing"), so the serving layer can say honestly which categories used the image
(``category_applied_input_types``). Images arrive decoded, as RGB :class:`PIL.Image.Image`.

Image models are registered once with :func:`register_image_model` and built by name with
:func:`build_image_model`; an unknown name lists what is available.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from flagstone.errors import ModelError
from flagstone.plugins import Registry
from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX

if TYPE_CHECKING:
    from PIL.Image import Image

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImageModelInfo:
    name: str
    version: str  # content hash of the weights (or a fixed tag for fakes)
    categories: tuple[str, ...]  # the categories this model scores; the rest are nan
    thresholds: dict[str, float]  # per covered category: score at or above which it is flagged
    metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.categories) - set(CATEGORIES)
        if unknown:
            raise ValueError(f"unknown categories {sorted(unknown)}; known: {list(CATEGORIES)}")
        missing = set(self.categories) - set(self.thresholds)
        if missing:
            raise ValueError(f"no threshold for covered categories {sorted(missing)}")

    @property
    def id(self) -> str:
        return f"{self.name}@{self.version[:12]}"


@runtime_checkable
class ImageModerator(Protocol):
    """Anything that turns decoded images into category probabilities (nan where not covered)."""

    @property
    def info(self) -> ImageModelInfo: ...

    def predict_proba(self, images: Sequence[Image]) -> np.ndarray:
        """Return shape (len(images), 13): values in [0, 1] for covered categories, nan elsewhere."""
        ...


def check_image_scores(scores: np.ndarray, n: int, info: ImageModelInfo) -> np.ndarray:
    """Enforce the contract where scores are made: shape, [0, 1] where covered, nan elsewhere."""
    arr = np.asarray(scores, dtype=np.float64)
    if arr.shape != (n, len(CATEGORIES)):
        raise ModelError(f"image model returned shape {arr.shape}, expected ({n}, {len(CATEGORIES)})")
    covered = np.zeros(len(CATEGORIES), dtype=bool)
    covered[[CATEGORY_INDEX[c] for c in info.categories]] = True
    if not np.all(np.isfinite(arr[:, covered])):
        raise ModelError("image model returned non-finite scores for a category it covers")
    out = np.full_like(arr, np.nan)
    out[:, covered] = np.clip(arr[:, covered], 0.0, 1.0)
    return out


Factory = Callable[[], ImageModerator]
def _import_builtin() -> None:
    # Importing the modules registers their models (once); nudenet itself is imported lazily.
    from flagstone.images import fakes, nudenet_model  # noqa: F401


IMAGE_MODELS: Registry[Factory] = Registry("image model", load=_import_builtin)


def register_image_model(name: str) -> Callable[[Factory], Factory]:
    return IMAGE_MODELS.register(name)


def available_image_models() -> list[str]:
    return IMAGE_MODELS.names()


def build_image_model(name: str) -> ImageModerator:
    """Build the registered image model ``name``; ImportError if its optional extra is missing."""
    return IMAGE_MODELS.get(name)()
