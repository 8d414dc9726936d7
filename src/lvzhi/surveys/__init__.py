"""Satisfaction surveys (满意度调查): questionnaires, anonymous response links, imports and results."""
