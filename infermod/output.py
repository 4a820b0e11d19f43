"""All user-facing output goes through here: colour only on a TTY, secrets always redacted."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TextIO

from infermod.lazyre import lazy
from infermod.secrets import Secret, redact_text

_secrets: list[str] = []
_color: bool | None = None
_events = False  # `--json`: stdout carries only the event lines; text goes to stderr


def register_secrets(values: Iterable[Secret]) -> None:
    """Values that must never be printed, whatever prints them."""
    for secret in values:
        value = secret.reveal()
        if value and value not in _secrets:
            _secrets.append(value)


def set_color(enabled: bool | None) -> None:
    global _color
    _color = enabled


def use_color(stream: TextIO) -> bool:
    if _color is not None:
        return _color
    if os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def redact(text: str) -> str:
    return redact_text(text, _secrets)


def set_events(enabled: bool) -> None:
    global _events
    _events = enabled


def out(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    stream = sys.stderr if err or _events else sys.stdout
    stream.write(redact(text) + ("\n" if nl else ""))
    stream.flush()


_SGR = lazy(r"\033\[[0-9;]*m")


def plain(text: str) -> str:
    """`text` without the colour codes `style` added."""
    return _SGR.sub("", text)


def error(text: str) -> None:
    """`Error: ...` on stderr, wrapped at its width as the text views are (a URL, a path or an
    id longer than a line stays whole, so it can be copied)."""
    _message(f"Error: {text}", "red")


def warning(text: str) -> None:
    """`Warning: ...` on stderr, wrapped as errors are."""
    _message(f"Warning: {text}", "yellow")


def _message(text: str, color: str) -> None:
    from infermod.wrap import width, wrap

    lines = wrap(redact(text).split("\n"), width(sys.stderr))
    out("\n".join(style(line, color, err=True) for line in lines), err=True)


_CODES = {"red": "31", "green": "32", "yellow": "33", "cyan": "36", "bold": "1", "dim": "2"}


def style(text: str, color: str, *, err: bool = False) -> str:
    if not use_color(sys.stderr if err else sys.stdout):
        return text
    return f"\033[{_CODES[color]}m{text}\033[0m"
