"""GitLab report artifacts: terraform (MR widget counts), Code Quality, JUnit.

Formats, as GitLab documents them:
- artifacts:reports:terraform: {"create": N, "update": N, "delete": N}
- artifacts:reports:codequality: a JSON array of {description, check_name, fingerprint,
  severity: info|minor|major|critical|blocker, location: {path, lines: {begin}}}
- artifacts:reports:junit: JUnit XML (testsuites/testsuite/testcase, <failure> for failures)

GitLab groups Code Quality findings by fingerprint (distinct fingerprints = distinct findings)
and resolves `location.path` against the repository root; its merge-request test summary
lists only failed and errored cases, so warnings are failures there (named "… [warning]")
or nobody would see them.
"""

from __future__ import annotations

import hashlib
import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from infermod.findings import Finding, severity_rank, without_day_counts
from infermod.lazyre import lazy
from infermod.plan.model import Plan
from infermod.writefile import write_atomically

CODEQUALITY_SEVERITY = {"error": "critical", "warning": "major", "info": "info"}
BLOCKERS = {"lifecycle-eol", "ownership-conflict", "lifecycle-prevent-destroy"}
FALLBACK_PATH = "infermod.yaml"
# Characters XML 1.0 cannot hold even escaped: one of them makes the whole report unparseable.
_NOT_XML = lazy("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def terraform_report(plan: Plan) -> dict[str, int]:
    s = plan.summary()  # a replacement counts as one create and one delete
    return {"create": s["add"], "update": s["change"], "delete": s["destroy"]}


def repository_root() -> str:
    """CI_PROJECT_DIR in a pipeline; elsewhere the enclosing git checkout, or the directory."""
    if os.environ.get("CI_PROJECT_DIR"):
        return os.path.abspath(os.environ["CI_PROJECT_DIR"])
    here = os.path.abspath(os.getcwd())
    probe = here
    while True:
        if os.path.exists(os.path.join(probe, ".git")):
            return probe
        parent = os.path.dirname(probe)
        if parent == probe:
            return here
        probe = parent


def report_path(file: str | None, root: str) -> str:
    """The file relative to the repository root, with forward slashes, as GitLab links it."""
    if not file:
        return FALLBACK_PATH
    relative = os.path.relpath(os.path.abspath(file), root)
    if relative.startswith(".."):  # outside the repository: GitLab cannot link it anyway
        relative = os.path.relpath(os.path.abspath(file))
    return relative.replace(os.sep, "/")


def codequality(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    out = []
    root = repository_root()
    fallback = next((f.location.file for f in findings if f.location), None)
    for f in findings:
        # A finding without a location (a policy on the whole plan) points at the configuration
        # the other findings come from, so that GitLab can still link it.
        path = report_path(f.location.file if f.location else fallback, root)
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
    """Stable across runs (no line numbers, no file, no counts of days), distinct for distinct
    findings: two findings of one rule on one resource that say different things, or say the
    same thing of two fields (an unknown key in two endpoints), must not collapse into one."""
    key = "\x1f".join([f.rule_id, f.resource or "", f.field or "", without_day_counts(f.message)])
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def junit(findings: Sequence[Finding], resources: Sequence[str]) -> bytes:
    cases: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        cases.setdefault((f.resource or "configuration", f.rule_id), []).append(f)
    for resource in resources:
        if not any(r == resource for r, _ in cases):
            cases[(resource, "all-rules")] = []
    root = repository_root()
    failing = sum(1 for fs in cases.values() if _worst(fs) in ("error", "warning"))
    suites = ET.Element("testsuites", name="infermod", tests=str(len(cases)), failures=str(failing))
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="infermod",
        tests=str(len(cases)),
        failures=str(failing),
        errors="0",
        skipped="0",
    )
    for (resource, rule), fs in sorted(cases.items()):
        _case(suite, resource, rule, fs, root)
    for element in suites.iter():
        element.text = _NOT_XML.sub("\ufffd", element.text) if element.text else element.text
        for key, value in element.attrib.items():
            element.set(key, _NOT_XML.sub("\ufffd", value))
    return bytes(ET.tostring(suites, encoding="utf-8", xml_declaration=True))


def _worst(fs: Sequence[Finding]) -> str | None:
    return max((f.severity for f in fs), key=severity_rank, default=None)


def _case(suite: ET.Element, resource: str, rule: str, fs: Sequence[Finding], root: str) -> None:
    worst = _worst(fs)
    name = f"{rule} [warning]" if worst == "warning" else rule
    case = ET.SubElement(suite, "testcase", classname=resource, name=name, time="0")
    located = next((f.location for f in fs if f.location), None)
    if located:
        case.set("file", report_path(located.file, root))
    if worst in ("error", "warning"):
        shown = [f for f in fs if f.severity == worst]
        failure = ET.SubElement(case, "failure", message=f"{worst}: {shown[0].message}", type=worst)
        failure.text = "\n".join(f.format() for f in fs)
    elif fs:
        ET.SubElement(case, "system-out").text = "\n".join(f.format() for f in fs)


def write_terraform_report(path: str, plan: Plan) -> None:
    _write(path, json.dumps(terraform_report(plan)).encode())


def write_codequality(path: str, findings: Sequence[Finding]) -> None:
    _write(path, json.dumps(codequality(findings), indent=2).encode())


def write_junit(path: str, findings: Sequence[Finding], resources: Sequence[str]) -> None:
    _write(path, junit(findings, resources))


def _write(path: str, body: bytes) -> None:
    write_atomically(path, body, "report", make_dirs=True)
