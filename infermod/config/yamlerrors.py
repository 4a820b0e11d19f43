"""A YAML syntax error as a reader understands it: the line that is wrong, the source line with
a caret under the column, and a hint for the usual mistakes (missing colon, tab, unclosed
bracket or quote, indentation).

PyYAML reports where its scanner gave up, which is often a line later than the mistake (a key
without its colon is reported on the next line) or the end of the file (an unclosed `{`). Its
`context_mark` says where the construct that failed began; that is usually the line to show.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from infermod.findings import Location
from infermod.lazyre import lazy

# a source line is shown at most this wide around the caret
SNIPPET_WIDTH = 60
# C0/C1 controls, bidirectional overrides and isolates, and the invisible format characters
# (zero-width space and joiners, direction marks, word joiner, BOM) that make `prod` and
# `prod\u200b` print alike
_CONTROL = lazy("[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# a line that sets a sensitive field: its value is never shown, even in a broken file
_KEY_COLON = lazy(r":(\s|$)")
# `secret:`, `api_key =` (ini, .env), `{"auth": ...` (JSON): a line of a file the user may have
# passed by mistake, shown without its value
_SENSITIVE_LINE = lazy(
    r"^(\s*(?:-\s+)?[{\[]*\s*[\"']?[A-Za-z0-9_.-]*(?:secret|token|password|passwd|key|auth|credential)"
    r"[A-Za-z0-9_.-]*[\"']?\s*[:=])",
    re.I,
)


class Diagnosis(NamedTuple):
    location: Location
    message: str
    hint: str | None
    snippet: str | None


def diagnose(path: str, text: str, exc: Any) -> Diagnosis:
    """The finding's parts for PyYAML's MarkedYAMLError `exc` raised on `text`."""
    problem = str(exc.problem or exc.context or "invalid YAML")
    context = str(exc.context or "")
    mark = exc.problem_mark or exc.context_mark
    start = exc.context_mark
    lines = text.split("\n")
    line, column = (mark.line, mark.column) if mark else (0, 0)
    message, hint = f"invalid YAML: {problem}", None
    if "could not find expected ':'" in problem and start is not None:
        # a key without its colon: the scanner only notices on the next line
        line, column = start.line, start.column
        word = _first_word(lines, line, column)
        message = "invalid YAML: missing `:` after the key" + (f" `{word}`" if word else "")
        hint = "write `KEY: VALUE`, a colon and a space after the key"
    elif "\t" in problem or "tab character" in problem or "cannot start any token" in problem:
        tab = _first_tab(lines, line)
        if tab is not None:
            line, column = tab
            message = "invalid YAML: a tab character in the indentation"
            hint = "YAML indents with spaces only: replace the tab with spaces"
    elif context.startswith("while parsing a flow") and start is not None:
        opener = "{" if "mapping" in context else "["
        closer = "}" if opener == "{" else "]"
        if mark is None or mark.line > start.line:
            line, column = start.line, start.column
            message = f"invalid YAML: `{opener}` is never closed"
            hint = (
                f"close it with `{closer}` before the next key, or write the "
                f"{'mapping' if opener == '{' else 'list'} as indented lines"
            )
        else:
            message = f"invalid YAML: expected `,` or `{closer}` inside the `{opener}` opened at column {start.column + 1}"
            hint = f"separate items with `, ` and close with `{closer}`"
    elif context.startswith("while scanning a quoted scalar") and start is not None:
        quote = _char(lines, start.line, start.column) or '"'
        line, column = start.line, start.column
        message = f"invalid YAML: the quote `{quote}` is never closed"
        hint = f"end the value with `{quote}` on this line"
    elif "expected <block end>" in problem or "did not find expected key" in problem:
        message = "invalid YAML: this line's indentation matches no enclosing key"
        hint = "indent it with spaces exactly like the other keys of its mapping"
        if mark is not None and _char(lines, mark.line, mark.column) == "-":
            hint = "a list item (`- `) must be indented like its siblings"
    elif "mapping values are not allowed" in problem and (previous := _keyless_line(lines, line)):
        # `key value` on the line before: YAML read it and this line as one multi-line value
        line, column = previous
        word = _first_word(lines, line, column)
        message = "invalid YAML: missing `:` after the key" + (f" `{word}`" if word else "")
        hint = "write `KEY: VALUE`, a colon and a space after the key"
    elif "mapping values are not allowed" in problem:
        message = "invalid YAML: a `:` where no key can start"
        hint = (
            "this line is indented more than the key above it, or a value containing `: ` "
            "is not quoted (write 'a: b')"
        )
    elif "found unexpected end of stream" in problem and start is not None:
        line, column = start.line, start.column
    if line >= len(lines) or not lines[line].strip():
        # past the end or on a blank line: show the last line that has text instead
        while line > 0 and (line >= len(lines) or not lines[line].strip()):
            line -= 1
        column = len(lines[line].rstrip()) if line < len(lines) else 0
    return Diagnosis(Location(path, line + 1, column + 1), message, hint, snippet(lines, line, column))


def snippet(lines: list[str], line: int, column: int) -> str | None:
    """`  6 | node_type L4` and a caret line under `column` (0-based): control characters
    become U+FFFD, a sensitive field's value is hidden, long lines are cut around the caret."""
    if line >= len(lines):
        return None
    source = _CONTROL.sub("\ufffd", lines[line].rstrip("\r"))
    sensitive = _SENSITIVE_LINE.match(source)
    if sensitive:
        source = sensitive.group(1) + " (sensitive)"
        column = min(column, len(source))
    source = source.replace("\t", "→")
    if len(source) > SNIPPET_WIDTH:
        first = max(0, min(column - SNIPPET_WIDTH // 2, len(source) - SNIPPET_WIDTH))
        cut = source[first : first + SNIPPET_WIDTH]
        column -= first
        source = "..." + cut[3:] if first else cut
        if first + SNIPPET_WIDTH < len(_CONTROL.sub("", lines[line])):
            source = source[:-3] + "..."
    number = str(line + 1)
    return f"{number} | {source}\n{' ' * len(number)} | {' ' * max(0, column)}^"


def _first_word(lines: list[str], line: int, column: int) -> str:
    if line >= len(lines):
        return ""
    rest = lines[line][column:].split()
    word = rest[0] if rest else ""
    if _CONTROL.search(word) or len(word) > 40:
        return ""
    return word


def _keyless_line(lines: list[str], line: int) -> tuple[int, int] | None:
    """The line before `line` when it looks like `key value` without its colon, indented
    like `line` (so the two read as one plain scalar)."""
    if line >= len(lines):
        return None
    indent = len(lines[line]) - len(lines[line].lstrip(" "))
    previous = line - 1
    while previous >= 0 and not lines[previous].strip():
        previous -= 1
    if previous < 0:
        return None
    text = lines[previous]
    stripped = text.strip()
    own = len(text) - len(text.lstrip(" "))
    # a colon inside a word (`meta/llama-3.1-8b-instruct:fp8`) is not a key's; `: ` or a final `:` is
    if own != indent or stripped.startswith(("#", "-", "{", "[", '"', "'")) or _KEY_COLON.search(stripped):
        return None
    return previous, own


def _first_tab(lines: list[str], around: int) -> tuple[int, int] | None:
    """The tab nearest before or at line `around` that sits in indentation or after a colon."""
    for number in range(min(around, len(lines) - 1), -1, -1):
        position = lines[number].find("\t")
        if position >= 0:
            return number, position
    return None


def _char(lines: list[str], line: int, column: int) -> str:
    if line < len(lines) and column < len(lines[line]):
        return lines[line][column]
    return ""
