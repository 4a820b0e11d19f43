"""Commands that messages suggest, written so that they can be pasted and run as is.

A hint printed in a sandbox run names `--sandbox`, one made with `-f FILE` names the same files,
one made with `--profile P` the same profile: the CLI records the invocation's options here
before a command runs, and every message builds its suggestion with `command()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class Invocation(NamedTuple):
    files: tuple[str, ...] = ()
    profile: str | None = None
    sandbox: bool = False


_current = Invocation()


def record(files: Sequence[str] = (), profile: str | None = None, sandbox: bool = False) -> None:
    global _current
    _current = Invocation(tuple(files), profile, sandbox)


def command(*words: str, files: bool = True) -> str:
    """`infermod WORDS...` with the options that select the same stack and API as this run;
    `files=False` for commands that take none (show, apply PLANFILE, check-model)."""
    parts = ["infermod", *words]
    if _current.sandbox:
        parts.append("--sandbox")
    if _current.profile:
        parts += ["--profile", _current.profile]
    if files:
        for path in _current.files:
            parts += ["-f", path]
    import shlex

    return shlex.join(parts)
