"""One deadline for the whole run: `--timeout` bounds every API call, retry and wait.

A command calls `start(seconds)` once; the transport caps each call's connect and read
timeouts (and its total duration, so a server trickling one byte a second cannot stretch a
call) by what is left, retries never sleep past it, and waits stop at it. When it has passed,
calls raise `DeadlineExceeded` at once instead of starting. `grace(seconds)` lends a little
time after it, for the final re-read that tells the user what exists; `reserve(seconds)` keeps
time before it for that re-read, so that the whole command ends by --timeout plus a little.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class DeadlineExceeded(Exception):
    """The run's time limit passed (or one call took longer than a call may take).
    Never retried: there is no time left, or the server is too slow to be worth it."""


_lock = threading.Lock()
_deadline: float | None = None
_seconds: float | None = None


def start(seconds: float | None) -> None:
    """Begin the run's clock; None means no overall limit (each call keeps its own)."""
    global _deadline, _seconds
    with _lock:
        _seconds = seconds
        _deadline = time.monotonic() + seconds if seconds is not None else None


def remaining() -> float | None:
    """Seconds left, None without a limit; never negative."""
    with _lock:
        if _deadline is None:
            return None
        return max(0.0, _deadline - time.monotonic())


def expired() -> bool:
    left = remaining()
    return left is not None and left <= 0


def describe() -> str:
    limit = f"{_seconds:.0f}s" if _seconds is not None else "the limit"
    return f"the time limit ({limit}, --timeout) passed"


def check() -> None:
    if expired():
        raise DeadlineExceeded(describe())


def cap(seconds: float) -> float:
    """`seconds`, or less when the run ends sooner."""
    left = remaining()
    return seconds if left is None else min(seconds, left)


@contextmanager
def grace(seconds: float) -> Iterator[None]:
    """Allow `seconds` more from now (at least), then restore the original deadline."""
    global _deadline
    with _lock:
        saved = _deadline
        if _deadline is not None:
            _deadline = max(_deadline, time.monotonic() + seconds)
    try:
        yield
    finally:
        with _lock:
            _deadline = saved


@contextmanager
def reserve(seconds: float) -> Iterator[None]:
    """End the run `seconds` early (what is left then is kept for the final re-read), then
    restore the original deadline. Messages still name the --timeout given."""
    global _deadline
    with _lock:
        saved = _deadline
        if _deadline is not None:
            _deadline -= seconds
    try:
        yield
    finally:
        with _lock:
            _deadline = saved
