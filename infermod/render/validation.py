"""The result of `validate`: findings with a verdict, as text or as versioned JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence

from infermod.findings import Finding
from infermod.render.findings import (
    FINDINGS_FORMAT_VERSION,
    counts,
    findings_json,
    findings_text,
    summary_line,
)


def render_validation(findings: Sequence[Finding], files: Sequence[str], failed: bool, fmt: str) -> str:
    if fmt == "json":
        body = {
            "format_version": FINDINGS_FORMAT_VERSION,
            "valid": not any(f.severity == "error" for f in findings),
            "files": list(files),
            "findings": findings_json(findings),
            "summary": counts(findings),
        }
        return json.dumps(body, indent=2)
    verdict = (
        f"Invalid: {summary_line(findings)}."
        if failed
        else f"Valid: {len(files)} file(s), {summary_line(findings)}."
    )
    from infermod.wrap import width, wrap

    return "\n".join(wrap([*findings_text(findings), verdict], width()))
