"""A text worked out the first time it is read: machinery for start-up, like lazyre.py, that
the plan holds (its configuration digest) but that is no record of the plan."""

from __future__ import annotations

from collections.abc import Callable


class Deferred:
    """A text worked out the first time it is read (`str()`), then kept: the configuration's
    digest, which an unchanged plan shown as text never reads (issue 25). Equal to the same
    text, deferred or not."""

    __slots__ = ("_text", "_work")

    def __init__(self, work: Callable[[], str]) -> None:
        self._work: Callable[[], str] | None = work
        self._text = ""

    def __str__(self) -> str:
        if self._work is not None:
            self._text, self._work = self._work(), None
        return self._text

    def __repr__(self) -> str:
        return repr(str(self))

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other) if isinstance(other, str | Deferred) else NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))
