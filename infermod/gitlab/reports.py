"""GitLab report artifacts: terraform (MR widget counts), Code Quality, JUnit.

Formats, as GitLab documents them:
- artifacts:reports:terraform: {"create": N, "update": N, "delete": N}
- artifacts:reports:codequality: a JSON array of {description, check_name, fingerprint,
  severity: info|minor|major|critical|blocker, location: {path, lines: {begin}}}
- artifacts:reports:junit: JUnit XML (testsuites/testsuite/testcase, <failure> for failures)
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from infermod.findings import Finding
from infermod.plan.model import Plan

CODEQUALITY_SEVERITY = {"error": "critical", "warning": "major", "info": "info"}
BLOCKERS = {"lifecycle-eol", "ownership-conflict", "lifecycle-prevent-destroy"}
FALLBACK_PATH = "infermod.yaml"


def terraform_report(plan: Plan) -> dict[str, int]:
    s = plan.summary()  # a replacement counts as one create and one delete
    return {"create": s["add"], "update": s["change"], "delete": s["destroy"]}


def codequality(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    out = []
    for f in findings:
        path = os.path.relpath(f.location.file) if f.location else FALLBACK_PATH
        line = f.location.line if f.location else 1
        severity = "blocker" if f.rule_id in BLOCKERS else CODEQUALITY_SEVERITY[f.severity]
        out.append(
            {
                "type": "issue",
                "description": f.message + (f" — {f.hint}" if f.hint else ""),
                "check_name": f.rule_id,
                "fingerprint": fingerprint(f),
                "severity": severity,
                "categories": ["Bug Risk" if f.severity == "error" else "Compatibility"],
                "location": {"path": path, "lines": {"begin": line}},
            }
        )
    return out


def fingerprint(f: Finding) -> str:
    """Stable across runs: what the finding is about, not where the file happens to put it."""
    key = "|".join([f.rule_id, f.resource or "", f.field or "", f.location.file if f.location else ""])
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def junit(findings: Sequence[Finding], resources: Sequence[str]) -> bytes:
    cases: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        cases.setdefault((f.resource or "configuration", f.rule_id), []).append(f)
    for resource in resources:
        if not any(r == resource for r, _ in cases):
            cases[(resource, "all-rules")] = []
    failures = sum(1 for fs in cases.values() if any(f.severity == "error" for f in fs))
    suites = ET.Element("testsuites", name="infermod", tests=str(len(cases)), failures=str(failures))
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="infermod",
        tests=str(len(cases)),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    for (resource, rule), fs in sorted(cases.items()):
        case = ET.SubElement(suite, "testcase", classname=resource, name=rule, time="0")
        errors = [f for f in fs if f.severity == "error"]
        if errors:
            failure = ET.SubElement(case, "failure", message=errors[0].message, type=rule)
            failure.text = "\n".join(f.format() for f in errors)
        elif fs:
            ET.SubElement(case, "system-out").text = "\n".join(f.format() for f in fs)
    return bytes(ET.tostring(suites, encoding="utf-8", xml_declaration=True))


def write_terraform_report(path: str, plan: Plan) -> None:
    _write(path, json.dumps(terraform_report(plan)).encode())


def write_codequality(path: str, findings: Sequence[Finding]) -> None:
    _write(path, json.dumps(codequality(findings), indent=2).encode())


def write_junit(path: str, findings: Sequence[Finding], resources: Sequence[str]) -> None:
    _write(path, junit(findings, resources))


def _write(path: str, body: bytes) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".report-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(body)
    os.replace(tmp, path)
