"""Carrying a plan out: the executor, and how its progress is shown."""
