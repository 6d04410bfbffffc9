"""Quality control of a dataset: duplicates, conflicts, agreement, label errors, leakage, balance."""
