"""Active and semi-supervised learning: choose what people label next, and add confident pseudo-labels.

* :mod:`~flagstone.active.base` — the one interface, :class:`Strategy`, and the :class:`PoolView` it ranks;
* :mod:`~flagstone.active.strategies` — uncertainty, rare-category hunting, diversity, random (registered once);
* :mod:`~flagstone.active.selection` — pick a batch and fill a labeling queue;
* :mod:`~flagstone.active.self_training` — confident pseudo-labels, always marked as such;
* :mod:`~flagstone.active.simulation` — replay a labelled pool as the oracle to compare strategies.
"""

from flagstone.active.base import PoolView, Strategy
from flagstone.active.strategies import available_strategies, get_strategy

__all__ = ["PoolView", "Strategy", "available_strategies", "get_strategy"]
