"""GitLab reports and the merge-request comment, against a local GitLab API on 127.0.0.1."""

from __future__ import annotations

import json
import re
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jsonschema
import pytest

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
    assert ("deployment.new", "lifecycle-preview") in cases and ("deployment.keep", "all-rules") in cases


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
    assert {c.get("name") for c in failures} == {"eula-required"}
    assert int(root.get("failures")) == 1
    jsonschema.validate(json.loads((tmp_path / "c.json").read_text()), CODEQUALITY_SCHEMA)


def test_policy_gates_name_rule_and_resource(cli, scw_env, sdk, tmp_path):
    scenario(cli, sdk, tmp_path)
    result = cli("plan", "--deny-destroy")
    assert result.code == 1 and "policy-deny-destroy" in result.out and "deployment.old" in result.out
    result = cli("plan", "--max-monthly-cost", "1000")
    assert result.code == 1 and "policy-max-monthly-cost" in result.out and "2,044.00" not in result.err
    assert cli("plan", "--max-monthly-cost", "5000").code == 0


class FakeGitLab:
    """Receives notes as GitLab's REST API would, and checks the requests."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.notes: list[dict[str, Any]] = [
            {"id": i, "body": f"human comment {i}", "system": False} for i in range(1, 131)
        ]
        self.requests: list[tuple[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake.handle(self)

            def do_POST(self) -> None:
                fake.handle(self)

            def do_PUT(self) -> None:
                fake.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v4"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def handle(self, req: BaseHTTPRequestHandler) -> None:
        self.requests.append((req.command, req.path))
        if req.headers.get("PRIVATE-TOKEN") != self.token:
            return self.send(req, 401, {"message": "401 Unauthorized"})
        m = re.match(r"^/api/v4/projects/(\d+)/merge_requests/(\d+)/notes(?:/(\d+))?(?:\?(.*))?$", req.path)
        if not m or m.group(1) != "42" or m.group(2) != "7":
            return self.send(req, 404, {"message": "404 Not found"})
        if req.command == "GET":
            query = dict(p.split("=") for p in (m.group(4) or "").split("&") if p)
            page, per_page = int(query.get("page", 1)), int(query.get("per_page", 20))
            chunk = self.notes[(page - 1) * per_page : page * per_page]
            more = page * per_page < len(self.notes)
            return self.send(req, 200, chunk, {"x-next-page": str(page + 1) if more else ""})
        body = json.loads(req.rfile.read(int(req.headers["content-length"])))
        assert set(body) == {"body"} and len(body["body"]) <= 1_000_000
        if req.command == "POST":
            note = {"id": 1000 + len(self.notes), "body": body["body"], "system": False}
            self.notes.append(note)
            return self.send(req, 201, note)
        note = next(n for n in self.notes if n["id"] == int(m.group(3)))
        note["body"] = body["body"]
        return self.send(req, 200, note)

    def send(
        self, req: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> None:
        raw = json.dumps(body).encode()
        req.send_response(status)
        for k, v in (headers or {}).items():
            req.send_header(k, v)
        req.send_header("content-type", "application/json")
        req.send_header("content-length", str(len(raw)))
        req.end_headers()
        req.wfile.write(raw)


@pytest.fixture
def gitlab(monkeypatch):
    fake = FakeGitLab("glpat-secret-token-value")
    for key, value in {
        "CI_API_V4_URL": fake.url,
        "CI_PROJECT_ID": "42",
        "CI_MERGE_REQUEST_IID": "7",
        "GITLAB_TOKEN": fake.token,
        "CI_COMMIT_SHA": "0123456789abcdef",
        "CI_PIPELINE_ID": "555",
        "CI_PIPELINE_URL": "https://gitlab.example/p/555",
    }.items():
        monkeypatch.setenv(key, value)
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def test_second_pipeline_edits_the_same_note(cli, scw_env, sdk, tmp_path, gitlab, monkeypatch):
    scenario(cli, sdk, tmp_path)
    first = cli("plan", "--comment")
    assert first.code == 0 and "Posted the plan on merge request !7" in first.err
    ours = [n for n in gitlab.notes if "infermod-plan stack=mr" in n["body"]]
    assert len(ours) == 1 and "Computed for commit `01234567` in pipeline [#555]" in ours[0]["body"]
    assert ours[0]["body"].index("Plan: 2 to add") < ours[0]["body"].index("This plan deletes or replaces")
    monkeypatch.setenv("CI_COMMIT_SHA", "fedcba9876543210")
    second = cli("plan", "--comment")
    assert second.code == 0 and "Updated the plan" in second.err
    ours = [n for n in gitlab.notes if "infermod-plan stack=mr" in n["body"]]
    assert len(ours) == 1 and "`fedcba98`" in ours[0]["body"]
    assert ("PUT", f"/api/v4/projects/42/merge_requests/7/notes/{ours[0]['id']}") in gitlab.requests
    assert "glpat-secret-token-value" not in first.out + first.err + second.out + second.err


def test_comment_failure_is_reported_and_fails_only_when_required(
    cli, scw_env, sdk, tmp_path, gitlab, monkeypatch
):
    scenario(cli, sdk, tmp_path)
    monkeypatch.setenv("GITLAB_TOKEN", "wrong-token")
    result = cli("plan", "--comment")
    assert result.code == 0 and "was not posted to the merge request: GitLab answered 401" in result.err
    assert cli("plan", "--comment", "--comment-required").code == 1
    monkeypatch.delenv("CI_MERGE_REQUEST_IID")
    assert "CI_MERGE_REQUEST_IID not set" in cli("plan", "--comment").err


def test_markdown_fits_the_note_limit():
    from infermod.plan.model import Plan, ResourceChange
    from infermod.plan.records import Deployment
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
