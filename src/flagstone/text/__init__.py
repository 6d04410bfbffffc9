"""Text handling shared by the model, the data platform (item keys) and red-teaming (defences)."""

from flagstone.text.controls import clean_controls
from flagstone.text.normalize import normalize, text_key

__all__ = ["clean_controls", "normalize", "text_key"]
