"""Findings as text and JSON (validate, check-model, and the warnings part of plans)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from infermod.findings import Finding, sort_findings
from infermod.output import style
from infermod.render.printable import printable_finding

FINDINGS_FORMAT_VERSION = "1"

_COLOR = {"error": "red", "warning": "yellow", "info": "cyan"}


def counts(findings: Sequence[Finding]) -> dict[str, int]:
    c = Counter(f.severity for f in findings)
    return {"error": c["error"], "warning": c["warning"], "info": c["info"]}


def findings_text(findings: Sequence[Finding]) -> list[str]:
    lines = []
    for f in sort_findings(printable_finding(f) for f in findings):
        head, _, rest = f.format().partition(f"{f.severity}:")
        lines.append(head + style(f.severity + ":", _COLOR[f.severity]) + rest)
    return lines


def findings_json(findings: Sequence[Finding]) -> list[dict[str, object]]:
    return [f.to_json() for f in sort_findings(findings)]


def summary_line(findings: Sequence[Finding]) -> str:
    c = counts(findings)
    return f"{c['error']} error(s), {c['warning']} warning(s), {c['info']} info"
