"""A saved plan's changes must equal the derived ones exactly: any difference is found and named."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from infermod.apply.verify import first_difference
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
