"""Evaluation: metrics as pure functions, labelled-file loading, and model reports."""

from flagstone.evaluation.labelled import LabelledSet, load_labelled
from flagstone.evaluation.report import CategoryReport, EvalReport, evaluate_model, evaluate_scores

__all__ = ["CategoryReport", "EvalReport", "LabelledSet", "evaluate_model", "evaluate_scores", "load_labelled"]
