"""Text views fit the reader's width: the terminal's, or 80 columns off a terminal.

A long line is wrapped at spaces, its continuation indented under its text (after a marker
such as `! `, `> `, `# `, `hint: ` or a finding's location); colour codes are kept on every
piece and never counted. A word longer than the width (a URL) stays whole, and so does a
`quoted` span (a command printed to be pasted) and a plan's field line.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from typing import TextIO

from infermod.lazyre import lazy

DEFAULT_WIDTH = 80
_SGR = lazy(r"\033\[[0-9;]*m")
_STYLED = lazy(r"^(\033\[[0-9;]*m)(.*)(\033\[0m)$", re.DOTALL)
# a plan's field line (`      ~ node_type     = "L4" -> "L40S"  # forces replacement`) is
# kept whole, as Terraform keeps its own: broken, its before and after no longer read as a pair
_FIELD = lazy(r"^\s+[~+-] \S+\s+= ")
# a `quoted` span (a command to paste, a name) is one word: a hint broken inside its command
# could not be pasted as printed; a span wider than the line stays whole, as a URL does
_QUOTED = lazy(r"`[^`\n]+`")
_KEEP = "\ue000"  # a space inside a quoted span while textwrap works (a private-use character)
_MARKER = lazy(r"^(\s*(?:[!>=#~+-] |-/\+ |\+/- |ok |\.\. |!! |hint: |Error: |Warning: |\S+:\d+:\d+: )?)")


def width(stream: TextIO | None = None) -> int:
    """The terminal's columns when `stream` (stdout by default) is one; otherwise COLUMNS
    when set to a number of columns (`0`, a negative or no number is taken as unset, as the
    terminal's size is read), else 80."""
    stream = stream or sys.stdout
    if hasattr(stream, "isatty") and stream.isatty():
        return max(_terminal_columns(), 20)
    return max(_columns_variable() or DEFAULT_WIDTH, 20)


def _columns_variable() -> int:
    """COLUMNS as a number of columns, or 0 when it is unset, not a number, or not positive."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        return 0
    return max(columns, 0)


def _terminal_columns() -> int:
    """shutil.get_terminal_size's answer (COLUMNS first, then the terminal, else 80) without
    importing shutil, which loads three compression modules."""
    columns = _columns_variable()
    if columns == 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 0
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or DEFAULT_WIDTH


def wrap(lines: Iterable[str], columns: int) -> list[str]:
    out: list[str] = []
    for line in lines:
        for part in line.split("\n"):
            out += _wrap_line(part, columns)
    return out


def _wrap_line(line: str, columns: int) -> list[str]:
    coloured = "\033" in line  # without an escape, no colour code to match (nor to compile)
    if len(_SGR.sub("", line) if coloured else line) <= columns:
        return [line]
    styled = _STYLED.match(line) if coloured else None
    start, text, end = styled.groups() if styled else ("", line, "")
    if (coloured and _SGR.search(text)) or _FIELD.match(text):  # colour inside, or a field line: whole
        return [line]
    indent = " " * min(len(_MARKER.match(text).group(1)), columns // 2)  # type: ignore[union-attr]
    import textwrap  # only for a line longer than the width

    pieces = textwrap.wrap(
        _QUOTED.sub(lambda m: m.group(0).replace(" ", _KEEP), text),
        columns,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
        drop_whitespace=True,
    )
    lead = len(text) - len(text.lstrip(" "))
    if pieces and lead and not pieces[0].startswith(" "):
        pieces[0] = " " * lead + pieces[0]  # textwrap keeps it; be sure
    return [f"{start}{p.replace(_KEEP, ' ')}{end}" for p in pieces] or [line]
