"""Whether a saved plan still holds, decided on data and explained in words."""

from __future__ import annotations

from infermod.apply.stale import stale_reasons
from infermod.plan.model import Plan
from infermod.planning import judged_diff as diff
from infermod.state import ActualState
from tests.plan.test_diff import CATALOG, PROJECT, actual, config, spec


def planned(cfg, state: ActualState) -> Plan:  # type: ignore[no-untyped-def]
    changes, findings = diff(cfg, state, CATALOG, PROJECT)
    return Plan(
        "s", "t", "0", cfg.digest, state.fingerprint("s"), (), tuple(changes), tuple(findings), "live"
    )


def test_an_unchanged_world_keeps_the_plan():
    state = ActualState((actual(),), (), ())
    saved = planned(config(spec()), state)
    assert stale_reasons(saved, config(spec()), planned(config(spec()), state), state) == []


def test_a_changed_configuration_says_what_was_added():
    state = ActualState((), (), ())
    saved = planned(config(spec()), state)
    now = config(spec(), spec("new"))
    assert stale_reasons(saved, now, planned(now, state), state) == [
        "the configuration changed: deployment.new added"
    ]


def test_a_changed_state_names_the_resource_and_its_status():
    before = ActualState((actual(),), (), ())
    saved = planned(config(spec()), before)
    after = ActualState((actual(status="error", updated_at="later"), actual("x", stack="s")), (), ())
    reasons = stale_reasons(saved, config(spec()), planned(config(spec()), after), after)
    assert reasons == [
        "the deployments changed since the plan was made: deployment.chat is now error (was ready), x (id-x) appeared"
    ]
