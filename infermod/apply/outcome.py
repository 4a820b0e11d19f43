"""What became of one resource in an apply: the record the executor writes, reconcile corrects
and the views show."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Outcome"]


class Outcome(NamedTuple):
    address: str
    type: str
    actions: tuple[str, ...]
    result: str  # created | updated | replaced | destroyed | failed | skipped | interrupted | not started
    message: str | None = None
    resource_id: str | None = None
    destroyed: str | None = None  # a replacement's old deployment, once it no longer exists

    @property
    def ok(self) -> bool:
        return self.result in ("created", "adopted", "imported", "updated", "replaced", "destroyed")
