"""Models: the :class:`Moderator` interface, the shipped default model and test doubles."""

from flagstone.models.base import CategoryResult, ModelInfo, Moderator, check_scores

__all__ = ["CategoryResult", "ModelInfo", "Moderator", "check_scores"]
