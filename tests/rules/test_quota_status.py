"""The plan's quota and locked-deployment rules, on their own."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from infermod.config.load import load_config
from infermod.quota import DOCUMENTED_DEFAULTS
from infermod.rules.quota import NodeChange, Quota, peak_nodes, quota_findings, quota_from_env
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
LIMITS = {"H100": 3, "L4": 5, "L40S": 5}
TYPES = st.sampled_from(["H100", "H100-2", "H100-SXM-8", "L4", "L40S", "B300"])


def config(tmp_path):
    return load_config([write(tmp_path / "infermod.yaml", CONFIG)], {}).config


def actual(status: str, key: str = "big") -> ActualDeployment:
    tags = ("infermod:stack=s", f"infermod:name={key}")
    return ActualDeployment(
        "id1", key, "fr-par", "p", status, tags, "H100-2", "m", "m", 2, 2, 2, 8, (), None, "", ""
    )


def test_quota_source():
    assert quota_from_env({}) == Quota(DOCUMENTED_DEFAULTS, False)
    assert quota_from_env({"INFERMOD_NODE_QUOTA": "H100=8"}) == Quota({"H100": 8}, True)
    assert quota_from_env({"INFERMOD_NODE_QUOTA": "H100=eight"}) is None


def test_peak_counts_overlapping_replacements_and_families():
    changes = [
        NodeChange("a", "H100", 1, "H100-2", 2, overlap=True),  # create-then-delete: 3 at once
        NodeChange("b", "L4", 4, "L40S", 1),  # delete-then-create across families
        NodeChange(None, "B300", 9, "B300", 9),  # no key covers it: unlimited
    ]
    assert peak_nodes(changes, LIMITS) == {"H100": 3, "L4": 4, "L40S": 1}


@given(st.lists(st.tuples(TYPES, st.integers(0, 9), TYPES, st.integers(0, 9), st.booleans()), max_size=20))
def test_peak_is_between_the_larger_side_and_the_sum(rows):
    changes = [NodeChange(None, *row) for row in rows]
    peak = peak_nodes(changes, LIMITS)
    before = peak_nodes([c._replace(after=0) for c in changes], LIMITS)
    after = peak_nodes([c._replace(before=0) for c in changes], LIMITS)
    for family in set(before) | set(after):
        assert max(before.get(family, 0), after.get(family, 0)) <= peak.get(family, 0)
        assert peak.get(family, 0) <= before.get(family, 0) + after.get(family, 0)


def test_exceeding_a_default_warns_and_a_configured_quota_errs(tmp_path):
    cfg = config(tmp_path)
    changes = [NodeChange(None, "H100", 2, "H100", 2), NodeChange("big", "H100-2", 0, "H100-2", 2)]
    (warn,) = quota_findings(cfg, Quota(LIMITS, False), changes, "the organization")
    assert (warn.rule_id, warn.severity, warn.resource, warn.field) == (
        "quota-exceeded",
        "warning",
        "deployment.big",
        "deployments.big.size",
    )
    assert "4 H100-class nodes" in warn.message and "quota of 3" in warn.message and warn.location.line == 7
    (err,) = quota_findings(cfg, Quota({"H100": 3}, True), changes, "the organization")
    assert err.severity == "error" and "INFERMOD_NODE_QUOTA" in err.message
    assert quota_findings(cfg, Quota({"H100": 4}, True), changes, "the organization") == []


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
