"""The diff as a pure function: configuration, actual state and catalog in, typed changes out.
No emulator: what a plan decides is checked on data, field by field."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from infermod.catalog import Catalog
from infermod.config.model import Config, DeploymentSpec, EndpointSpec, Lifecycle
from infermod.plan.model import CREATE, DELETE, NOOP, REPLACE, REPLACE_CBD, UPDATE, FieldChange
from infermod.planning import judged_diff as diff
from infermod.records import Deployment, Endpoint
from infermod.state import ActualDeployment, ActualEndpoint, ActualState, ownership_tags

PROJECT = "p"
PUBLIC = EndpointSpec(True, None, False)
CATALOG = Catalog("snapshot", None, {}, {}, {("fr-par", "L4"): 0.93, ("fr-par", "L40S"): 1.4}, {})


def spec(key: str = "chat", **changes: Any) -> DeploymentSpec:
    base = DeploymentSpec(
        key=key,
        name=key,
        model="meta/llama-3.1-8b-instruct:fp8",
        custom=False,
        node_type="L4",
        min_size=1,
        max_size=1,
        quantization=None,
        context_size=None,
        features=(),
        accept_eula=True,
        region="fr-par",
        project_id=None,
        endpoints=(PUBLIC,),
        tags=("team",),
        lifecycle=Lifecycle(),
        location=None,
    )
    return base._replace(**changes)


def config(*deployments: DeploymentSpec) -> Config:
    return Config("s", ("infermod.yaml",), (), deployments, {}, ())


def actual(key: str = "chat", stack: str = "s", **changes: Any) -> ActualDeployment:
    base = ActualDeployment(
        id=f"id-{key}",
        name=key,
        region="fr-par",
        project_id=PROJECT,
        status="ready",
        tags=("team", *ownership_tags(stack, key)),
        node_type="L4",
        model_id="mid",
        model_name="meta/llama-3.1-8b-instruct:fp8",
        min_size=1,
        max_size=1,
        size=1,
        quantization=8,
        endpoints=(ActualEndpoint("e-1", True, None, False, "https://x"),),
        error_message=None,
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
    )
    return base._replace(**changes)


def plan(cfg: Config, *deployments: ActualDeployment, destroy: bool = False):  # type: ignore[no-untyped-def]
    return diff(cfg, ActualState(tuple(deployments), (), ()), CATALOG, PROJECT, destroy)


def test_a_new_deployment_is_created_with_typed_desired_fields():
    [change], findings = plan(config(spec()))
    assert findings == [] and change.actions == CREATE and change.before is None
    assert change.after == Deployment(
        name="chat",
        model="meta/llama-3.1-8b-instruct:fp8",
        model_id="(known after apply)",  # the catalog here lists no model id
        node_type="L4",
        min_size=1,
        max_size=1,
        quantization=None,
        region="fr-par",
        project_id=PROJECT,
        tags=("team",),
        endpoints=(Endpoint(True, None, False),),
        accept_eula=True,
    )
    assert change.cost is not None and change.cost.hourly_after == 0.93


def test_matching_state_is_a_no_op_and_the_actual_side_is_typed():
    [change], _ = plan(config(spec()), actual())
    assert change.actions == NOOP and change.field_changes == () and change.endpoint_changes == ()
    assert isinstance(change.before, Deployment) and change.before.id == "id-chat"
    assert change.before.endpoints == (Endpoint(True, None, False, "https://x"),)
    assert change.before.tags == ("team",)  # never the ownership tags


def test_changes_alike_share_their_cost_and_an_unchanged_one_is_not_copied():
    """A plan keeps a change per deployment: deployments alike (node type, size) hold one Cost
    between them, and the rule that judges updates keeps an unchanged deployment's change as
    the diff made it (a copy of each, the original then dropped, cost a large plan memory)."""
    from infermod.plan.diff import compare
    from infermod.rules.updates import carried_out

    cfg = config(spec("a"), spec("b"), spec("c", min_size=2, max_size=2), spec("d"))
    ours = ActualState((actual("a"), actual("b"), actual("c")), (), ()).of_stack("s")
    a, b, c, d = compare(cfg, ours, CATALOG, PROJECT)
    assert a.cost is b.cost and a.cost is not None and a.cost.hourly_after == 0.93
    assert (
        c.cost is not None
        and c.cost.hourly_after == 1.86
        and d.cost is not None
        and d.cost.hourly_before == 0
    )
    judged = carried_out(cfg, ours, [a, b, c, d])
    assert judged[0] is a and judged[1] is b and judged[3] is d  # unchanged, and a create
    assert judged[2].actions == UPDATE and judged[2].downtime and judged[2] != c


def test_size_is_an_update_with_downtime_and_node_type_a_replacement():
    [change], _ = plan(config(spec(min_size=2, max_size=2)), actual())
    assert change.actions == UPDATE and change.downtime
    assert change.field_changes == (
        FieldChange("max_size", 1, 2, False, True),
        FieldChange("min_size", 1, 2, False, True),
    )
    [change], _ = plan(config(spec(node_type="L40S")), actual())
    assert change.actions == REPLACE and change.action_reason == "replace_because_cannot_update"
    [change], _ = plan(
        config(spec(node_type="L40S", lifecycle=Lifecycle(create_before_destroy=True))), actual()
    )
    assert change.actions == REPLACE_CBD


def test_endpoint_changes_carry_endpoint_records():
    private = EndpointSpec(False, "pn-1", True)
    [change], _ = plan(config(spec(endpoints=(PUBLIC._replace(disable_auth=True), private))), actual())
    assert change.actions == UPDATE
    assert [(e.action, e.network, e.before, e.after) for e in change.endpoint_changes] == [
        ("update", "public", Endpoint(True, None, False), Endpoint(True, None, True)),
        ("create", "private:pn-1", None, private),
    ]


def test_what_another_stack_owns_is_never_changed_only_reported():
    changes, findings = plan(config(spec()), actual(stack="other"))
    assert [c.actions for c in changes] == [CREATE]
    assert [f.rule_id for f in findings] == ["ownership-conflict"]


def test_a_removed_deployment_is_deleted_and_prevent_destroy_guards_it():
    [change], findings = plan(config(), actual("old"))
    assert change.actions == DELETE and change.after is None and findings == []
    guarded = spec(lifecycle=Lifecycle(prevent_destroy=True), node_type="L40S")
    _, findings = plan(config(guarded), actual())
    assert [f.rule_id for f in findings] == ["lifecycle-prevent-destroy"]


@given(
    st.integers(1, 4),
    st.sampled_from(["L4", "L40S"]),
    st.lists(st.sampled_from(["a", "b", "team"]), unique=True).map(tuple),
    st.booleans(),
)
def test_the_diff_is_idempotent_once_the_desired_state_is_reached(size, node, tags, auth):
    """Whatever the desired deployment, the state it describes plans to nothing."""
    want = spec(
        min_size=size,
        max_size=size,
        node_type=node,
        tags=tags,
        endpoints=(PUBLIC._replace(disable_auth=auth),),
    )
    have = actual(
        min_size=size,
        max_size=size,
        node_type=node,
        tags=(*tags, *ownership_tags("s", "chat")),
        endpoints=(ActualEndpoint("e-1", True, None, auth, "https://x"),),
    )
    [change], findings = plan(config(want), have)
    assert change.actions == NOOP and findings == []


value = st.one_of(
    st.none(),
    st.integers(0, 3),
    st.sampled_from(["L4", "L40S", "fr-par"]),
    st.lists(st.sampled_from(["a", "b"]), max_size=3).map(lambda t: tuple(sorted(t))),
)
fields = st.fixed_dictionaries({f: value for f in ("name", "node_type", "min_size", "tags")})


@given(fields, fields)
def test_fields_compared_with_eq_first_are_those_deepdiff_reports(before, after):
    from deepdiff import DeepDiff

    from infermod.plan.diff import _changed_fields

    expected = sorted(DeepDiff(before, after, ignore_order=True).affected_root_keys)
    assert _changed_fields(before, after) == expected
