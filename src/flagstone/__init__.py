"""Flagstone: open, self-hostable content moderation.

Capabilities live in sub-packages (see ARCHITECTURE.md at the repo root):
policy, text, models, serving, data, training, evaluation, cli.
"""

__version__ = "0.1.0"
