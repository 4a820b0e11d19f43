"""Security findings: a public endpoint without authentication is a warning everywhere."""

from __future__ import annotations

import json

from tests.conftest import write

OPEN = """\
version: 1
stack: sec
deployments:
  open:
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: L4
    accept_eula: true
    endpoints:
      - private_network_id: 11111111-2222-3333-4444-555555555555
        disable_auth: true
      - public: true
        disable_auth: {auth}
"""


def _rules(body):
    return [f for f in body["findings"] if f["rule_id"] == "public-endpoint-without-auth"]


def test_validate_warns_with_file_and_line(cli, tmp_path):
    path = write(tmp_path / "open.yaml", OPEN.format(auth="true"))
    result = cli("validate", "-f", path, "--catalog", "snapshot")
    assert result.code == 0
    assert f"{path}:12:9: warning: `open` has a public endpoint with authentication disabled" in result.out
    body = json.loads(cli("validate", "-f", path, "--catalog", "snapshot", "--format", "json").out)
    [finding] = _rules(body)  # the private endpoint without auth is not a finding
    assert finding["severity"] == "warning" and finding["resource"] == "deployment.open"
    assert finding["location"] == {"file": path, "line": 12, "column": 9}
    assert finding["field"] == "deployments.open.endpoints[1].disable_auth"
    assert cli("validate", "-f", path, "--catalog", "snapshot", "--fail-on", "warning").code == 1


def test_plan_reports_it_and_fail_on_warning_refuses(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", OPEN.format(auth="true"))
    body = json.loads(cli("plan", "--format", "json").out)
    assert len(_rules(body)) == 1
    result = cli("plan", "--fail-on", "warning", "--out", "plan.json")
    assert result.code == 1 and "public-endpoint-without-auth" in result.out
    assert not (tmp_path / "plan.json").exists()
    markdown = cli("plan", "--format", "markdown").out
    assert "public-endpoint-without-auth" in markdown


def test_no_finding_when_auth_stays_on(cli, tmp_path):
    path = write(tmp_path / "closed.yaml", OPEN.format(auth="false"))
    body = json.loads(cli("validate", "-f", path, "--catalog", "snapshot", "--format", "json").out)
    assert _rules(body) == []
