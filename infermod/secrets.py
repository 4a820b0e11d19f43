"""Sensitive values that cannot leak by accident.

A Secret's str/repr is always "(sensitive)"; the value is reached only through `reveal()`,
which is called in exactly one place: when the Scaleway create-model request is built.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from infermod.lazyre import lazy

REDACTED = "(sensitive)"
# Shorter values are not secrets anyone issues, and replacing them would garble ordinary text
# (a one-character "secret" would blank every such letter of every message).
MIN_SECRET_LENGTH = 8

# The variables Scaleway, Hugging Face and GitLab tools read credentials from (access keys are
# identifiers, not secrets).
CREDENTIAL_VARIABLES = (
    "SCW_SECRET_KEY",
    "INFERMOD_PLAN_SECRET_KEY",
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "GITLAB_TOKEN",
    "CI_JOB_TOKEN",  # GitLab's, in every CI job
    "CI_REGISTRY_PASSWORD",
    "CI_DEPLOY_PASSWORD",
)


class Secret:
    __slots__ = ("_value", "origin")

    def __init__(self, value: str, origin: str) -> None:
        self._value = value
        self.origin = origin  # e.g. "env:HF_TOKEN" or "literal"; never the value

    def reveal(self) -> str:
        return self._value

    def digest(self) -> str:
        """A salted digest so that a plan notices a changed token without containing it."""
        import hashlib

        return hashlib.sha256(b"infermod-secret:" + self._value.encode()).hexdigest()[:16]

    def __str__(self) -> str:
        return REDACTED

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def redact_text(text: str, secrets: list[str]) -> str:
    """Replace every whole occurrence of the given secret values in free text (errors, logs).

    Whole: not inside a longer run of letters, digits or `_`, so that a secret that happens to
    be a common word or number never cuts into the text around it."""
    pattern = _pattern(
        tuple(sorted({v for v in secrets if len(v) >= MIN_SECRET_LENGTH}, key=len, reverse=True))
    )
    return pattern.sub(REDACTED, text) if pattern is not None else text


@lru_cache(maxsize=8)
def _pattern(values: tuple[str, ...]) -> re.Pattern[str] | None:
    if not values:
        return None
    return re.compile(r"(?<![A-Za-z0-9_])(?:" + "|".join(map(re.escape, values)) + r")(?![A-Za-z0-9_])")


# Tokens whose shape gives them away, set in the environment or not (a CI plan job has no
# HF_TOKEN; a laptop keeps it in a file): Hugging Face's `hf_` + 34 letters and digits, GitLab's
# personal, project, deploy, runner and CI job tokens.
SHAPED_TOKENS = lazy(r"(?<![A-Za-z0-9_])(?:hf_[A-Za-z0-9]{30,}|gl(?:pat|cbt|dt|rt|ptt)-[A-Za-z0-9_-]{20,})")


def environment_secrets(environ: Mapping[str, str]) -> list[Secret]:
    """The credentials the environment holds: redacted from all output from the first line on,
    before any file is read (a YAML error's excerpt quotes the line a token was pasted into)."""
    return [Secret(environ[n], f"env:{n}") for n in CREDENTIAL_VARIABLES if environ.get(n)]
