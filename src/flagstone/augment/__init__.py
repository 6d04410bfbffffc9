"""Augmentation and synthetic data: label-preserving perturbations, templates and LLM generation.

Every generated item says how it was made (``origin``) and goes through dedup and QC
(:func:`flagstone.augment.qc.check_items`) before it is written for training.
"""

from flagstone.augment.base import Generator, SyntheticItem, read_items, write_items

__all__ = ["Generator", "SyntheticItem", "read_items", "write_items"]
