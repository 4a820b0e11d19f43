"""Sensitive values that cannot leak by accident.

A Secret's str/repr is always "(sensitive)"; the value is reached only through `reveal()`,
which is called in exactly one place: when the Scaleway create-model request is built.
"""

from __future__ import annotations

import hashlib

REDACTED = "(sensitive)"


class Secret:
    __slots__ = ("_value", "origin")

    def __init__(self, value: str, origin: str) -> None:
        self._value = value
        self.origin = origin  # e.g. "env:HF_TOKEN" or "literal"; never the value

    def reveal(self) -> str:
        return self._value

    def digest(self) -> str:
        """A salted digest so that a plan notices a changed token without containing it."""
        return hashlib.sha256(b"infermod-secret:" + self._value.encode()).hexdigest()[:16]

    def __str__(self) -> str:
        return REDACTED

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def redact_text(text: str, secrets: list[str]) -> str:
    """Replace every occurrence of the given secret values in free text (errors, logs)."""
    for value in secrets:
        if value:
            text = text.replace(value, REDACTED)
    return text
