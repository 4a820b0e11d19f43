"""One apply or destroy of a stack at a time on this machine.

Scaleway has no lock service, so this only serialises processes on one machine (two
terminals, two CI jobs on one runner); processes on different machines are kept apart by the
optimistic create protocol (`infermod.apply.create`). The lock is an advisory `flock` on a file
under the user's state directory, keyed by stack, projects and API: it is released by the
kernel when the process ends, however it ends, so a crash never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from infermod import output
from infermod.errors import FatalError
from infermod.scw import deadline

# Without --timeout, how long to wait for another run of the stack on this machine: longer than
# any one run takes when every operation keeps its default limit (a 3 h import, then an 80 min
# create, then deletions).
LOCK_WAIT = 6 * 3600.0


class LockTimeout(FatalError):
    """Another run of the same stack held the lock until the time limit."""


class LockDirError(FatalError):
    """The directory of the stack locks cannot be made or written (a read-only HOME in a
    container run under another user, XDG_STATE_HOME naming a file)."""


def _unusable(path: str, exc: OSError) -> str:
    """Which directory, why, and the variable that moves it."""
    where = exc.filename if isinstance(exc.filename, str) and exc.filename else os.path.dirname(path)
    setting = os.environ.get("XDG_STATE_HOME")
    now = f"it is {setting}" if setting else "unset: HOME/.local/state is used"
    return (
        f"cannot use the lock directory {os.path.dirname(path)}, which keeps two runs of a stack on "
        f"this machine apart: {where}: {exc.strerror or exc}. Set XDG_STATE_HOME to a writable "
        f"directory ({now}); nothing was changed"
    )


def state_dir() -> str:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "infermod", "locks")


def lock_path(stack: str, projects: list[str], api: str) -> str:
    key = "\n".join([stack, *sorted(set(projects)), api])
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return os.path.join(state_dir(), f"{stack}-{digest}.lock")


@contextmanager
def stack_lock(stack: str, projects: list[str], api: str) -> Iterator[None]:
    """Hold the stack's lock; wait for it (saying so) until the run's deadline."""
    path = lock_path(stack, projects, api)
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise LockDirError(_unusable(path, exc)) from None
    try:
        _acquire(fd, stack)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _acquire(fd: int, stack: str) -> None:
    said = False
    began = time.monotonic()
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        if not said:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            output.out(
                f"Waiting for another infermod run of stack `{stack}` on this machine (pid {holder})...",
                err=True,
            )
            said = True
        if deadline.expired():
            raise LockTimeout(
                f"another infermod run of stack `{stack}` still holds its lock: {deadline.describe()}; "
                "nothing was changed"
            )
        if deadline.remaining() is None and time.monotonic() - began > LOCK_WAIT:
            raise LockTimeout(
                f"another infermod run of stack `{stack}` still holds its lock after {LOCK_WAIT / 3600:.0f}h; "
                "nothing was changed (--timeout sets how long to wait)"
            )
        time.sleep(min(0.2, deadline.cap(0.2)) or 0.01)
