"""Tamper-evident audit log: every action appends a hash-chained record in its own transaction."""
