"""The plan's quota rule, on its own."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from infermod.config.load import load_config
from infermod.plan.model import CREATE, DELETE, REPLACE, REPLACE_CBD, ResourceChange
from infermod.quota import DOCUMENTED_DEFAULTS
from infermod.records import Deployment
from infermod.rules.quota import NodeChange, Quota, node_changes, peak_nodes, quota_findings, quota_from_env
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


def actual(id_: str, node_type: str, size: int, status: str = "ready") -> ActualDeployment:
    return ActualDeployment(
        id_, id_, "fr-par", "p", status, (), node_type, "m", "m", size, size, size, 8, (), None, "", ""
    )


def record(node_type: str, size: int) -> Deployment:
    return Deployment("d", "m", "m", node_type, size, size, None, "fr-par", "p", (), ())


def change(actions, id_, before, after, key="k") -> ResourceChange:
    return ResourceChange(
        f"deployment.{key}", "deployment", key, "fr-par", "p", actions, id_, None, before, after
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


def test_node_changes_hold_deleted_nodes_until_the_end_and_skip_what_is_going():
    counted = [
        actual("kept", "L4", 2),
        actual("going", "H100", 5, status="deleting"),  # Scaleway is already freeing it
        actual("deleted", "H100", 1),
        actual("replaced", "L4", 1),
        actual("swapped", "L4", 3),
    ]
    changes = [
        change(DELETE, "deleted", record("H100", 1), None, "x"),
        change(REPLACE_CBD, "replaced", record("L4", 1), record("L40S", 2), "r"),
        change(REPLACE, "swapped", record("L4", 3), record("L4", 1), "w"),
        change(CREATE, None, None, record("H100-2", 2), "new"),
        change(DELETE, "elsewhere", record("H100", 9), None, "o"),  # not among those counted
    ]
    rows = node_changes(counted, changes)
    assert rows == (
        [
            NodeChange(None, "L4", 2, "L4", 2),
            NodeChange("x", "H100", 1, "H100", 1),
            NodeChange("r", "L4", 1, "L40S", 2, overlap=True),
            NodeChange("w", "L4", 3, "L4", 1),
            NodeChange("new", "H100-2", 0, "H100-2", 2),
        ]
    )
    assert peak_nodes(rows, LIMITS) == {"H100": 3, "L4": 6, "L40S": 2}
