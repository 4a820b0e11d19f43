"""Locked and unknown-status deployments the plan must not ignore."""

from __future__ import annotations

from infermod.config.load import load_config
from infermod.rules.status import status_findings
from infermod.state import ActualDeployment
from tests.conftest import write

CONFIG = """version: 1
stack: s
deployments:
  big:
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: H100-2
    size: 2
    accept_eula: true
    endpoints: [{public: true}]
"""


def config(tmp_path):
    return load_config([write(tmp_path / "infermod.yaml", CONFIG)], {}).config


def actual(status: str, key: str = "big") -> ActualDeployment:
    tags = ("infermod:stack=s", f"infermod:name={key}")
    return ActualDeployment(
        "id1", key, "fr-par", "p", status, tags, "H100-2", "m", "m", 2, 2, 2, 8, (), None, "", ""
    )


def test_locked_and_unknown_deployments(tmp_path):
    cfg = config(tmp_path)
    (changed,) = status_findings(cfg, [(actual("locked"), True)])
    assert changed.severity == "error" and "locked by Scaleway" in changed.message
    assert changed.location is not None and changed.field == "deployments.big"
    (left,) = status_findings(cfg, [(actual("locked", "gone"), False)])
    assert left.severity == "warning" and left.location is None
    assert status_findings(cfg, [(actual("ready"), True), (actual("deploying"), True)]) == []
    (unknown,) = status_findings(cfg, [(actual("unknown_status"), True)])
    assert (unknown.rule_id, unknown.severity) == ("deployment-status-unknown", "warning")
