"""Findings: validation errors, rule results and lifecycle warnings as plain values.

Every check in infermod produces Findings instead of raising, so that all problems are
collected and shown together, in every output format, with the YAML location they come from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

SEVERITIES = ("info", "warning", "error")

# A count of days ("in 55 days", "a 30-day horizon") changes every day, or with an option, while
# the finding stays the same one: compared findings and report fingerprints leave it out.
_DAY_COUNT = r"\b\d+(?=[\s-]days?\b)"


class Location(NamedTuple):
    file: str
    line: int  # 1-based
    column: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Finding(NamedTuple):
    rule_id: str
    severity: str  # one of SEVERITIES
    message: str
    resource: str | None = None  # address, e.g. "deployment.support-bot"
    location: Location | None = None
    field: str | None = None  # dotted path in the YAML, e.g. "deployments.bot.node_type"
    hint: str | None = None  # what would fix it
    # the source line and a caret under the column (YAML syntax errors): text views only
    snippet: str | None = None

    def to_json(self) -> dict[str, object]:
        loc = self.location
        return {
            "rule_id": self.rule_id,
            "severity": self.severity,
            "message": self.message,
            "resource": self.resource,
            "field": self.field,
            "hint": self.hint,
            "location": None if loc is None else {"file": loc.file, "line": loc.line, "column": loc.column},
        }

    def format(self) -> str:
        where = f"{self.location}: " if self.location else ""
        field = f" [{self.field}]" if self.field else ""
        source = "".join(f"\n    {line}" for line in self.snippet.split("\n")) if self.snippet else ""
        hint = f"\n    hint: {self.hint}" if self.hint else ""
        return f"{where}{self.severity}: {self.message}{field} ({self.rule_id}){source}{hint}"


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


def fails_gate(findings: Iterable[Finding], fail_on: str) -> bool:
    """True when any finding is at least as severe as `fail_on` ('warning' or 'error')."""
    threshold = severity_rank(fail_on)
    return any(severity_rank(f.severity) >= threshold for f in findings)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(
        findings,
        key=lambda f: (
            f.location.file if f.location else "",
            f.location.line if f.location else 0,
            -severity_rank(f.severity),
            f.rule_id,
        ),
    )


def unique(findings: Iterable[Finding]) -> list[Finding]:
    """Each problem once: the same rule, place and message reported twice is one finding."""
    return list(dict.fromkeys(findings))


def without_day_counts(text: str) -> str:
    """`text` with every count of days written as N: "in 55 days" and "in 54 days" are one."""
    return re.sub(_DAY_COUNT, "N", text)


def dayless(f: Finding) -> Finding:
    """The finding as it stays from one day to the next (its counts of days left out)."""
    return f._replace(message=without_day_counts(f.message), hint=f.hint and without_day_counts(f.hint))
