"""Safety rules on computed changes: what the stack does not own is never adopted, deleted or broken."""

from __future__ import annotations

from infermod.config.model import Lifecycle
from infermod.plan.model import DELETE
from infermod.planning import judged_diff as diff
from infermod.state import ActualModel, ActualState
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
