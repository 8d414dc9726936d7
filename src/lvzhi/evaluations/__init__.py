"""Scheme versions, evaluation rounds, per-region evaluations with their workflow, data values and scores."""
