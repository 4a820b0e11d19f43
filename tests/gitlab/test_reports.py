"""GitLab report files (terraform, Code Quality, JUnit), policy gates, the note size limit."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
from hypothesis import given
from hypothesis import strategies as st

from infermod.findings import Finding, Location
from infermod.gitlab import reports
from tests.conftest import write
from tests.helpers import create, owned

CONFIG = """\
version: 1
stack: mr
deployments:
  keep:
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: L40S
    accept_eula: true
    endpoints: [{public: true}]
  new:
    model: qwen/qwen3-coder-30b-a3b-instruct:fp8
    node_type: L40S
    endpoints: [{public: true}]
"""

# GitLab's documented Code Quality format (artifacts:reports:codequality).
CODEQUALITY_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string"},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}
TERRAFORM_SCHEMA = {
    "type": "object",
    "required": ["create", "update", "delete"],
    "additionalProperties": False,
    "properties": {k: {"type": "integer", "minimum": 0} for k in ("create", "update", "delete")},
}


def scenario(cli, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", CONFIG)
    create(sdk, "keep", owned("mr", "keep"))  # on L4: the config wants L40S -> replace
    create(sdk, "old", owned("mr", "old"))


def test_report_files_match_gitlab_formats(cli, scw_env, sdk, tmp_path):
    scenario(cli, sdk, tmp_path)
    result = cli("plan", "--gitlab-report", "tf.json", "--codequality", "cq.json", "--junit", "junit.xml")
    assert result.code == 0, result.err
    tf = json.loads((tmp_path / "tf.json").read_text())
    jsonschema.validate(tf, TERRAFORM_SCHEMA)
    assert tf == {"create": 2, "update": 0, "delete": 2}  # the replacement is one create and one delete
    cq = json.loads((tmp_path / "cq.json").read_text())
    jsonschema.validate(cq, CODEQUALITY_SCHEMA)
    preview = next(i for i in cq if i["check_name"] == "lifecycle-preview")
    assert (
        preview["location"] == {"path": "infermod.yaml", "lines": {"begin": 10}}
        and preview["severity"] == "major"
    )
    cli("plan", "--codequality", "cq2.json")
    assert [i["fingerprint"] for i in cq] == [
        i["fingerprint"] for i in json.loads((tmp_path / "cq2.json").read_text())
    ]
    root = ET.parse(tmp_path / "junit.xml").getroot()
    assert root.tag == "testsuites"
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    assert ("deployment.keep", "all-rules") in cases
    # GitLab's merge-request test summary lists failures only: a warning is one, named as such.
    warning = cases[("deployment.new", "lifecycle-preview [warning]")]
    failure = warning.find("failure")
    assert failure is not None and failure.get("type") == "warning"
    assert failure.get("message", "").startswith("warning: ") and warning.get("file") == "infermod.yaml"
    assert root.get("failures") == "1"


def test_validate_junit_fails_for_errors(cli, tmp_path):
    write(
        tmp_path / "infermod.yaml",
        "version: 1\nstack: mr\ndeployments:\n  keep:\n    model: meta/llama-3.1-8b-instruct:fp8\n"
        "    node_type: L4\n    endpoints: [{public: true}]\n",
    )
    result = cli("validate", "--catalog", "snapshot", "--junit", "j.xml", "--codequality", "c.json")
    assert result.code == 1
    root = ET.parse(tmp_path / "j.xml").getroot()
    failures = [c for c in root.iter("testcase") if c.find("failure") is not None]
    errors = [c for c in failures if c.find("failure").get("type") == "error"]
    assert {c.get("name") for c in errors} == {"eula-required"}
    assert int(root.get("failures")) == len(failures)
    jsonschema.validate(json.loads((tmp_path / "c.json").read_text()), CODEQUALITY_SCHEMA)


def test_policy_gates_name_rule_and_resource(cli, scw_env, sdk, tmp_path):
    scenario(cli, sdk, tmp_path)
    result = cli("plan", "--deny-destroy")
    assert result.code == 1 and "policy-deny-destroy" in result.out and "deployment.old" in result.out
    result = cli("plan", "--max-monthly-cost", "1000")
    assert result.code == 1 and "policy-max-monthly-cost" in result.out and "2,044.00" not in result.err
    assert cli("plan", "--max-monthly-cost", "5000").code == 0


def test_markdown_fits_the_note_limit():
    from infermod.plan.model import Plan, ResourceChange
    from infermod.records import Deployment
    from infermod.render.markdown import render_markdown

    changes = tuple(
        ResourceChange(
            f"deployment.d{i}",
            "deployment",
            f"d{i}",
            "fr-par",
            "p",
            ("create",),
            None,
            None,
            None,
            Deployment(f"d{i}", "m" * 200, None, "L4", 1, 1, None, "fr-par", "p", (), ()),
        )
        for i in range(3000)
    )
    plan = Plan("s", "t", "0", "sha256:x", "sha256:y", (), changes, (), "live")
    text = render_markdown(plan, limit=200_000)
    assert len(text) <= 200_000 and "were left out to fit GitLab's note size limit" in text
    assert text.startswith("### infermod plan")


def test_codequality_paths_are_relative_to_the_repository_root(cli, scw_env, sdk, tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()  # the checkout's root
    write(tmp_path / "deploy" / "infermod.yaml", CONFIG)
    monkeypatch.chdir(tmp_path / "deploy")
    # The cost policy's finding has no YAML location: it points at the same file.
    assert cli("plan", "--codequality", "cq.json", "--junit", "j.xml", "--max-monthly-cost", "1").code == 1
    cq = json.loads((tmp_path / "deploy" / "cq.json").read_text())
    assert {i["location"]["path"] for i in cq} == {"deploy/infermod.yaml"}
    assert "policy-max-monthly-cost" in {i["check_name"] for i in cq}
    assert next(i for i in cq if i["check_name"] == "lifecycle-preview")["location"]["lines"]["begin"] == 10
    files = {c.get("file") for c in ET.parse(tmp_path / "deploy" / "j.xml").getroot().iter("testcase")}
    assert "deploy/infermod.yaml" in files
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path / "deploy"))  # the pipeline says where the root is
    assert cli("plan", "--codequality", "cq.json").code == 0
    cq = json.loads((tmp_path / "deploy" / "cq.json").read_text())
    assert {i["location"]["path"] for i in cq} == {"infermod.yaml"}


# No digits: a count of days is deliberately not part of the fingerprint (tested below).
words = st.text(
    st.characters(codec="utf-8", exclude_characters="\x1f", exclude_categories=["Nd"]), max_size=30
)
findings_parts = st.tuples(words, st.one_of(st.none(), words), words, st.one_of(st.none(), words))


@given(findings_parts, findings_parts)
def test_fingerprints_differ_exactly_when_rule_resource_field_or_message_differ(a, b):
    """GitLab keeps one finding per fingerprint: distinct findings must not collapse."""
    fa = Finding(a[0], "warning", a[2], resource=a[1], location=Location("x.yaml", 1, 1), field=a[3])
    fb = Finding(b[0], "error", b[2], resource=b[1], location=Location("y.yaml", 9, 1), field=b[3])
    same = (a[0], a[1] or "", a[2], a[3] or "") == (b[0], b[1] or "", b[2], b[3] or "")
    assert (reports.fingerprint(fa) == reports.fingerprint(fb)) == same


def test_an_end_of_life_notice_keeps_its_fingerprint_from_day_to_day(tmp_path, monkeypatch):
    """ "in 55 days" tomorrow says "in 54 days": the same finding, or GitLab's widget shows it
    as new and resolved every day."""
    import datetime as dt

    from tests.rules import test_lifecycle

    life = test_lifecycle.deprecated(55)  # End-of-Life 55 days after the fixed day
    (today,) = test_lifecycle.run(tmp_path, life)
    monkeypatch.setattr(test_lifecycle, "TODAY", test_lifecycle.TODAY + dt.timedelta(days=1))
    (tomorrow,) = test_lifecycle.run(tmp_path, life)
    assert "in 55 days" in today.message and "in 54 days" in tomorrow.message
    assert today.rule_id == tomorrow.rule_id == "lifecycle-eol-notice"
    assert reports.fingerprint(today) == reports.fingerprint(tomorrow)
    # another model or another End-of-Life date: another finding
    for old, new in (("acme/old-model", "acme/other"), ("2027-01-19", "2027-01-29")):
        moved = today._replace(message=today.message.replace(old, new))
        assert moved.message != today.message and reports.fingerprint(moved) != reports.fingerprint(today)


def test_the_same_message_on_two_fields_is_two_findings(cli, tmp_path):
    """An unknown key in two endpoints says the same thing twice: GitLab must keep both."""
    write(
        tmp_path / "infermod.yaml",
        "version: 1\nstack: mr\ndeployments:\n  keep:\n    model: meta/llama-3.1-8b-instruct:fp8\n"
        "    node_type: L4\n    accept_eula: true\n"
        "    endpoints: [{public: true, colour: red}, {public: false, colour: red}]\n",
    )
    assert cli("validate", "--catalog", "snapshot", "--codequality", "c.json").code == 1
    unknown = [i for i in json.loads((tmp_path / "c.json").read_text()) if "colour" in i["description"]]
    assert len(unknown) == 2 and unknown[0]["description"] == unknown[1]["description"]
    assert unknown[0]["fingerprint"] != unknown[1]["fingerprint"]


@given(words, words, words)
def test_junit_is_well_formed_xml_whatever_the_findings_say(message, resource, file):
    """A control character (a model name written "a\\u0001" in YAML, a name read from the API)
    once made the whole JUnit report unparseable, so GitLab dropped it."""
    findings = [
        Finding("model-unknown", "error", message, resource=resource, location=Location(file or "x", 1, 1)),
        Finding("note", "info", message, resource=resource),
    ]
    root = ET.fromstring(reports.junit(findings, [resource, "deployment.clean"]))
    assert root.get("tests") == str(len(root.findall("testsuite/testcase")))


def test_reports_never_replace_a_fifo_and_unwritable_paths_are_named(cli, tmp_path):
    import os
    import stat

    write(tmp_path / "infermod.yaml", "version: 1\nstack: mr\ndeployments: {}\n")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "file").write_text("")
    result = cli("validate", "--catalog", "snapshot", "--junit", "fifo")
    assert result.code == 1 and "fifo: cannot write the report: not a regular file" in result.err
    assert stat.S_ISFIFO(os.stat(tmp_path / "fifo").st_mode)
    result = cli("validate", "--catalog", "snapshot", "--codequality", "file/cq.json")
    assert result.code == 1 and "file/cq.json: cannot write the report:" in result.err
    assert "internal error" not in result.err


def test_end_of_life_ownership_conflicts_and_prevent_destroy_are_blockers(cli, scw_env, sdk, tmp_path):
    def severities(path: str) -> dict[str, str]:
        return {i["check_name"]: i["severity"] for i in json.loads((tmp_path / path).read_text())}

    llama = (
        "model: meta/llama-3.1-8b-instruct:fp8, node_type: L4, accept_eula: true, endpoints: [{public: true}]"
    )
    write(
        tmp_path / "infermod.yaml",
        "version: 1\nstack: mr\ndeployments:\n"
        "  gone: {model: mistral/mixtral-8x7b-instruct-v0.1:fp8, node_type: H100, accept_eula: true,"
        " endpoints: [{public: true}]}\n"
        "  soon: {model: deepseek/deepseek-r1-distill-llama-8b:bf16, node_type: L4, accept_eula: true,"
        " endpoints: [{public: true}]}\n",
    )
    assert cli("validate", "--codequality", "validate.json").code == 1
    assert severities("validate.json") == {"lifecycle-eol": "blocker", "lifecycle-deprecated": "major"}

    create(sdk, "kept", owned("mr", "kept"))  # on L4: the configuration's L40S replaces it
    create(sdk, "taken", ["hand-made"])  # a deployment of the same name the stack does not own
    write(
        tmp_path / "infermod.yaml",
        "version: 1\nstack: mr\ndeployments:\n"
        f"  kept: {{{llama.replace('L4', 'L40S')}, lifecycle: {{prevent_destroy: true}}}}\n"
        f"  taken: {{{llama}}}\n",
    )
    assert cli("plan", "--codequality", "plan.json").code == 1
    found = severities("plan.json")
    assert found["lifecycle-prevent-destroy"] == "blocker" and found["ownership-conflict"] == "blocker"
    others = {k: v for k, v in found.items() if k not in reports.BLOCKERS}
    assert all(v in ("critical", "major", "info") for v in others.values()), found


def test_codequality_categories_hints_and_a_finding_without_a_line(cli, scw_env, tmp_path):
    write(
        tmp_path / "infermod.yaml",
        "version: 1\nstack: mr\ndeployments:\n"
        "  a: {model: meta/llama-3.1-8b-instruct:fp8, node_type: L4, endpoints: [{public: true}]}\n"
        "  b: {model: qwen/qwen3-coder-30b-a3b-instruct:fp8, node_type: L40S, accept_eula: true,"
        " endpoints: [{public: true}]}\n",
    )
    assert cli("validate", "--codequality", "reports/new/cq.json").code == 1  # the directory is made
    cq = {i["check_name"]: i for i in json.loads((tmp_path / "reports/new/cq.json").read_text())}
    eula, preview = cq["eula-required"], cq["lifecycle-preview"]
    assert eula["categories"] == ["Bug Risk"] and preview["categories"] == ["Compatibility"]
    assert eula["description"].endswith(" — read the EULA, then set accept_eula: true"), eula
    assert " — " not in preview["description"] or preview["description"].count(" — ") == 1
    write(
        tmp_path / "infermod.yaml",
        "version: 1\nstack: mr\ndeployments:\n  a: {model: meta/llama-3.1-8b-instruct:fp8,"
        " node_type: L4, accept_eula: true, endpoints: [{public: true}]}\n",
    )
    assert cli("plan", "--max-monthly-cost", "1", "--codequality", "plan.json").code == 1
    (policy,) = [
        i for i in json.loads((tmp_path / "plan.json").read_text()) if i["check_name"].startswith("policy")
    ]
    assert policy["location"] == {"path": "infermod.yaml", "lines": {"begin": 1}}
    assert len(policy["fingerprint"]) == 32


def test_junit_names_the_worst_finding_first_and_lists_resources_without_findings():
    here = Location("infermod.yaml", 3, 1)
    findings = [
        Finding("model-check", "info", "note", "deployment.a", here),
        Finding("model-check", "warning", "close to the limit", "deployment.a", here),
        Finding("model-check", "error", "first error", "deployment.a", here),
        Finding("model-check", "error", "second error", "deployment.a", here),
        Finding("model-size", "info", "fits", "deployment.a", here),
        Finding("model-size", "warning", "barely fits", "deployment.a", here),
    ]
    xml = reports.junit(findings, ["deployment.a", "deployment.b"])
    assert xml.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    cases = {(c.get("classname"), c.get("name")): c for c in ET.fromstring(xml).iter("testcase")}
    failure = cases[("deployment.a", "model-check")].find("failure")
    assert failure is not None and failure.get("message") == "error: first error"
    warned = cases[("deployment.a", "model-size [warning]")].find("failure")
    assert warned is not None and warned.get("message") == "warning: barely fits"
    assert ("deployment.b", "all-rules") in cases and ("deployment.a", "all-rules") not in cases
