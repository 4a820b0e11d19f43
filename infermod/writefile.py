"""Output files (saved plans, GitLab reports) written atomically, and only as regular files.

`os.replace` onto an existing path swaps whatever is there for the new file: `--out /dev/null`
would replace the device itself when run as root (CI containers), and fail obscurely otherwise.
"""

from __future__ import annotations

import os
import stat
import tempfile

from infermod.errors import FatalError

# The configuration files this process read: an output (`--out`, `--junit`...) written onto
# one would replace the user's only copy with JSON or XML (a slip of `--out` for `-f`).
_inputs: list[str] = []


def protect_inputs(paths: list[str]) -> None:
    """Files that outputs must never replace (editing a configuration says so: `input_ok`)."""
    _inputs.extend(p for p in paths if p not in _inputs)


def write_atomically(
    path: str,
    body: bytes,
    what: str,
    *,
    mode: int | None = None,
    make_dirs: bool = False,
    input_ok: bool = False,
) -> None:
    try:
        existing = os.stat(path)
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise FatalError(f"{path}: cannot write the {what}: {exc.strerror or exc}") from None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise FatalError(f"{path}: cannot write the {what}: not a regular file (a device, FIFO or directory)")
    if existing is not None and not input_ok and _is_input(path):
        raise FatalError(
            f"{path}: cannot write the {what} there: it is a configuration file this command reads; "
            "give another path"
        )
    directory = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        if make_dirs:
            os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".infermod-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        raise FatalError(f"{path}: cannot write the {what}: {exc.strerror or exc}") from None


def _is_input(path: str) -> bool:
    """The same file as one read, by any name (a symlink, `./`, a hard link)."""
    for read in _inputs:
        try:
            if os.path.samefile(path, read):
                return True
        except OSError:  # gone since: nothing to protect
            continue
    return False
