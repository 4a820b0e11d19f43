"""Text from outside infermod, made safe to print: a plan file, an API answer or a file name
may hold terminal control sequences (ESC, CR, C1...) or bidirectional overrides that would
rewrite the reader's terminal or CI log, or make a reviewed plan read other than it is.

Every view passes such text through `escape`, which folds line breaks to a space and writes
each other such character as a visible `\\xNN` or `\\uNNNN`; the JSON view needs nothing
(json.dumps escapes them itself).
"""

from __future__ import annotations

import re
from typing import Any

from infermod.findings import Finding, Location
from infermod.plan.model import Plan

# The loader's set (infermod.config.yamlsource), newline included: a forged line break in a
# message could print a line infermod never wrote. Tab is harmless.
CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape(text: str) -> str:
    """Line breaks (an API error's CRLF) fold to a space; the rest become visible escapes."""
    if not CONTROL.search(text):
        return text
    return CONTROL.sub(_visible, _LINE_BREAK.sub(" ", text))


_LINE_BREAK = re.compile("\r\n|\r|\n")


def printable_finding(f: Finding) -> Finding:
    loc = f.location
    return f._replace(
        rule_id=escape(f.rule_id),
        message=escape(f.message),
        resource=None if f.resource is None else escape(f.resource),
        location=None if loc is None else Location(escape(loc.file), loc.line, loc.column),
        field=None if f.field is None else escape(f.field),
        hint=None if f.hint is None else escape(f.hint),
        # the source lines under a syntax error: each escaped, the lines kept
        snippet=None if f.snippet is None else "\n".join(escape(line) for line in f.snippet.split("\n")),
    )


def printable_plan(plan: Plan) -> Plan:
    """The plan with every string escaped; the same plan (no copy) when nothing needs it."""
    from infermod.plan.codec import decode, encode

    data = encode(plan)
    if not _needs(data):
        return plan
    return decode(_escaped(data))


def _needs(value: Any) -> bool:
    if isinstance(value, str):
        return CONTROL.search(value) is not None
    if isinstance(value, dict):
        return any(_needs(k) or _needs(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_needs(v) for v in value)
    return False


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return value
