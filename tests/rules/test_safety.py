"""Safety rules on computed changes: what the stack does not own is never adopted, deleted or broken."""

from __future__ import annotations

from infermod.config.model import Lifecycle, ModelSpec
from infermod.findings import Location
from infermod.plan.duplicates import DUPLICATE
from infermod.plan.model import DELETE, NOOP, UPDATE, ResourceChange
from infermod.planning import Observed, build_plan
from infermod.planning import judged_diff as diff
from infermod.rules.safety import model_in_use, prevent_destroy
from infermod.state import ActualDeployment, ActualModel, ActualState, ownership_tags
from tests.plan.test_diff import CATALOG, PROJECT, actual, config, spec

MODEL = ActualModel("m-1", "s--ft--0123abcd", "fr-par", PROJECT, "ready", None, "t0")


def test_a_model_used_by_another_stack_is_never_deleted():
    theirs = actual("x", stack="other", model_id="m-1")
    changes, findings = diff(config(), ActualState((theirs,), (MODEL,), ()), CATALOG, PROJECT)
    assert [(c.address, c.actions) for c in changes] == [("model.ft", DELETE)]
    [finding] = findings
    assert (finding.rule_id, finding.severity, finding.resource) == ("model-in-use", "error", "model.ft")
    assert "deployment `x` (id-x)" in finding.message


def test_a_model_only_this_stack_used_is_deleted_freely():
    mine = actual("old", model_id="m-1")
    _, findings = diff(config(), ActualState((mine,), (MODEL,), ()), CATALOG, PROJECT)
    assert findings == []


def test_a_name_taken_outside_the_stack_is_a_conflict_with_a_way_out():
    unmanaged = actual("chat")._replace(tags=("team",))
    _, [finding] = diff(config(spec()), ActualState((unmanaged,), (), ()), CATALOG, PROJECT)
    assert finding.rule_id == "ownership-conflict" and "nothing managed by infermod" in finding.message
    assert finding.hint == "adopt it with `infermod import deployment.chat id-chat`, or set another `name:`"


def test_prevent_destroy_also_guards_a_replacement_and_destroy():
    guarded = spec(lifecycle=Lifecycle(prevent_destroy=True))
    state = ActualState((actual(),), (), ())
    _, findings = diff(config(guarded), state, CATALOG, PROJECT, destroy=True)
    assert [f.rule_id for f in findings] == ["lifecycle-prevent-destroy"]
    assert "the plan would delete deployment.chat" in findings[0].message


def test_the_conflict_check_matches_region_project_and_name_among_many():
    foreign = [actual(f"x{i}", stack="other") for i in range(2000)]
    elsewhere = [
        actual("chat", stack="other")._replace(id="in-nl", region="nl-ams"),
        actual("chat", stack="other")._replace(id="in-q", project_id="q"),
    ]
    taken = actual("chat", stack="other")._replace(id="taken")
    state = ActualState((*foreign, *elsewhere, taken), (), ())
    wanted = [spec(f"new{i}") for i in range(2000)] + [spec()]
    changes, findings = diff(config(*wanted), state, CATALOG, PROJECT)
    assert len(changes) == 2001
    assert [(f.rule_id, f.resource) for f in findings] == [("ownership-conflict", "deployment.chat")]
    assert "(taken)" in findings[0].message


def _copy(n: int) -> ActualDeployment:
    """The n-th copy of deployment.chat a run of the create protocol made (its own run tag)."""
    return actual()._replace(
        id=f"id-{n}", tags=(*actual().tags, f"infermod:run={n:012}"), created_at=f"2026-01-0{n}T00:00:00Z"
    )


def test_the_copies_an_interrupted_run_left_are_deleted_without_a_conflict_however_many():
    changes, findings = diff(
        config(spec()), ActualState((_copy(3), _copy(1), _copy(2)), (), ()), CATALOG, PROJECT
    )
    deleted = sorted(c.resource_id or "" for c in changes if c.action_reason == DUPLICATE)
    assert deleted == ["id-2", "id-3"] and findings == []


def test_two_copies_of_a_key_are_a_conflict_at_the_key_declared_or_not():
    hand_made = actual()._replace(id="id-2", created_at="2026-01-02T00:00:00Z")
    where = Location("infermod.yaml", 3, 3)
    cfg = config(spec())._replace(locations={"deployments.chat": where})
    _, [finding] = diff(cfg, ActualState((actual(), hand_made), (), ()), CATALOG, PROJECT)
    assert (finding.rule_id, finding.resource) == ("ownership-conflict", "deployment.chat")
    assert (finding.field, finding.location) == ("deployments.chat", where)
    gone = (actual("old"), actual("old")._replace(id="id-old-2"))
    _, [finding] = diff(cfg, ActualState((actual(), *gone), (), ()), CATALOG, PROJECT)
    assert (finding.resource, finding.field, finding.location) == ("deployment.old", None, None)


def test_a_name_another_stack_also_uses_is_no_conflict_for_a_deployment_that_is_not_created():
    theirs = actual("chat", stack="other")._replace(id="theirs")
    retagged = spec(tags=("team", "support"))  # an update in place of ours
    changes, findings = diff(config(retagged), ActualState((actual(), theirs), (), ()), CATALOG, PROJECT)
    assert [c.actions for c in changes] == [UPDATE] and findings == []


def test_prevent_destroy_refuses_every_deletion_but_a_duplicates_whatever_its_reason():
    guarded = config(spec(lifecycle=Lifecycle(prevent_destroy=True)))
    delete = ResourceChange(
        "deployment.chat", "deployment", "chat", "fr-par", PROJECT, DELETE, "id-chat", "ready", None, None
    )
    for reason in (None, "delete_because_no_resource_config", "replace_by_request", "delete_because_drift"):
        [finding] = prevent_destroy(guarded, [delete._replace(action_reason=reason)])
        assert finding.rule_id == "lifecycle-prevent-destroy", reason
    assert prevent_destroy(guarded, [delete._replace(action_reason=DUPLICATE)]) == []


def test_a_model_in_use_elsewhere_is_refused_only_when_it_is_deleted():
    cfg = config()
    for stack in ("other", "zzz", None):  # another stack, one sorting after this one, no stack at all
        dep = actual("x", stack="s", model_id="m-1")._replace(
            tags=("team",) if stack is None else ("team", *ownership_tags(stack, "x"))
        )
        state = ActualState((dep,), (MODEL,), ())
        model = ResourceChange(
            "model.ft", "model", "ft", "fr-par", PROJECT, DELETE, "m-1", "ready", None, None
        )
        [finding] = model_in_use(cfg, state, [model])
        assert finding.rule_id == "model-in-use", stack
        for kept in (NOOP, UPDATE):
            assert model_in_use(cfg, state, [model._replace(actions=kept)]) == [], (stack, kept)


def test_a_forced_reimport_of_a_model_another_stack_uses_is_refused():
    """`--replace model.KEY` deletes the model before importing it again: safety judges the
    replacements --replace forces as well as the diff's own changes."""
    ft = ModelSpec("ft", MODEL.name, "org/ft", None, "chat", "fr-par", None, None)
    cfg = config()._replace(models=(ft,))
    theirs = actual("x", stack="other", model_id=MODEL.id)
    observed = Observed(ActualState((theirs,), (MODEL,), ()), CATALOG, PROJECT, False)
    assert "model-in-use" not in [f.rule_id for f in build_plan(cfg, observed, None).findings]
    forced = build_plan(cfg, observed, None, replace=("model.ft",))
    [finding] = [f for f in forced.findings if f.rule_id == "model-in-use"]
    assert finding.resource == "model.ft" and "deployment `x` (id-x)" in finding.message
