"""A saved plan's changes must equal the derived ones exactly: any difference is found and named."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from infermod.apply.verify import first_difference
from infermod.findings import Finding, Location
from infermod.plan.codec import encode
from infermod.plan.model import Plan
from tests.plan.test_codec import changes, plans


@settings(max_examples=40, deadline=None)
@given(plans)
def test_a_plan_matches_itself(plan: Plan) -> None:
    assert first_difference(plan, plan) is None


@settings(max_examples=60, deadline=None)
@given(plans, st.data())
def test_any_edit_of_a_change_is_found(plan: Plan, data: st.DataObject) -> None:
    """Replacing, adding or dropping one change: refused unless it encodes the same."""
    edits = list(plan.changes)
    how = data.draw(st.sampled_from(["replace", "add", "drop"] if edits else ["add"]))
    at = data.draw(st.integers(0, max(0, len(edits) - 1)))
    if how == "replace":
        edits[at] = data.draw(changes())
    elif how == "add":
        edits.insert(at, data.draw(changes()))
    else:
        del edits[at]
    tampered = plan._replace(changes=tuple(edits))
    same = encode(tampered)["resource_changes"] == encode(plan)["resource_changes"]
    found = first_difference(tampered, plan)
    assert (found is None) == same
    if found is not None:
        assert found.startswith("resource_changes[")


def _eol_plan(message: str, severity: str = "warning") -> Plan:
    finding = Finding(
        "lifecycle-deprecated",
        severity,
        message,
        "deployment.chat",
        Location("stack.yaml", 9, 5),
        "deployments.chat.model",
    )
    return Plan("s", "2026-12-01T00:00:00Z", "0", "", "", (), (), (finding,), "snapshot")


def test_a_plan_reviewed_yesterday_still_holds_today() -> None:
    """An End-of-Life counted one day less is the same warning, not a forged one."""
    yesterday = _eol_plan("`m:fp8` is Deprecated: End-of-Life on 2027-01-26, in 55 days; a 30-day horizon")
    today = _eol_plan("`m:fp8` is Deprecated: End-of-Life on 2027-01-26, in 54 days; a 30-day horizon")
    assert first_difference(yesterday, today) is None


def test_a_finding_changed_beyond_its_day_count_is_still_refused() -> None:
    recorded = _eol_plan("`m:fp8` is Deprecated: End-of-Life on 2027-01-26, in 55 days")
    lowered = _eol_plan("`m:fp8` is Deprecated: End-of-Life on 2027-01-26, in 55 days", severity="info")
    other_date = _eol_plan("`m:fp8` is Deprecated: End-of-Life on 2027-02-26, in 55 days")
    assert first_difference(lowered, recorded) is not None
    assert first_difference(other_date, recorded) is not None
    assert first_difference(recorded, lowered) is not None
