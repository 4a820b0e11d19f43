"""Text from outside infermod, made safe to print: a plan file, an API answer or a file name
may hold terminal control sequences (ESC, CR, C1...) or bidirectional overrides that would
rewrite the reader's terminal or CI log, or make a reviewed plan read other than it is.

Every view passes such text through `escape`, which folds line breaks to a space and writes
each other such character as a visible `\\xNN` or `\\uNNNN`; the JSON view needs nothing
(json.dumps escapes them itself).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from infermod.findings import Finding, Location
from infermod.lazyre import lazy

if TYPE_CHECKING:  # validate renders findings only: the plan model is not loaded for it
    from infermod.plan.model import Plan

# The loader's set (infermod.config.yamlsource), newline included: a forged line break in a
# message could print a line infermod never wrote. Tab is harmless.
CONTROL = lazy("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape(text: str) -> str:
    """Line breaks (an API error's CRLF) fold to a space; the rest become visible escapes."""
    if not CONTROL.search(text):
        return text
    return CONTROL.sub(_visible, _LINE_BREAK.sub(" ", text))


_LINE_BREAK = lazy("\r\n|\r|\n")


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
    """The plan with every string a view shows escaped: its findings, and the changes views
    show (what changes, and what is not ready). The unchanged, ready deployments are only
    counted by every view, so a plan of thousands is not copied for nothing."""
    shown = [c.changes_something or c.status not in (None, "ready") for c in plan.changes]
    return plan._replace(
        stack=escape(plan.stack),
        files=_escaped(plan.files),
        targets=_escaped(plan.targets),
        replace=_escaped(plan.replace),
        changes=tuple(_escaped(c) if show else c for c, show in zip(plan.changes, shown, strict=True)),
        findings=tuple(printable_finding(f) for f in plan.findings),
    )


def _escaped(value: Any) -> Any:
    """Strings escaped inside any nesting of tuples and NamedTuples (the plan's records)."""
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, tuple):
        items = [_escaped(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    return value
