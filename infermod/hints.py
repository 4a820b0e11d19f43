"""Commands that messages suggest, written so that they can be pasted and run as is.

A hint printed in a sandbox run names `--sandbox`, one made with `-f FILE` names the same files,
one made with `--profile P` the same profile: the CLI records the invocation's options here
before a command runs, and every message builds its suggestion with `command()`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import NamedTuple


class Invocation(NamedTuple):
    files: tuple[str, ...] = ()
    profile: str | None = None
    sandbox: bool = False


_current = Invocation()


@contextmanager
def recorded(files: Sequence[str] = (), profile: str | None = None, sandbox: bool = False) -> Iterator[None]:
    """The invocation's options, for the hints printed while the command runs; the previous
    ones are back afterwards, so a command run in-process (a test, an embedding program) does
    not leave its `--sandbox -f FILE` in the hints of whatever renders next."""
    global _current
    before, _current = _current, Invocation(tuple(files), profile, sandbox)
    try:
        yield
    finally:
        _current = before


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
