"""The plan's own arithmetic: the summary counts and the monthly cost of the changes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from infermod.plan.model import (
    CREATE,
    DELETE,
    HOURS_PER_MONTH,
    NOOP,
    REPLACE,
    REPLACE_CBD,
    UPDATE,
    Cost,
    Plan,
    ResourceChange,
)

prices = st.none() | st.floats(0, 100, allow_nan=False)
changes = st.lists(
    st.builds(
        lambda kind, actions, cost: ResourceChange(
            f"{kind}.k", kind, "k", "fr-par", "p", actions, None, None, None, None, cost=cost
        ),
        st.sampled_from(["deployment", "model"]),
        st.sampled_from([CREATE, UPDATE, DELETE, NOOP, REPLACE, REPLACE_CBD]),
        st.none() | st.builds(Cost, st.just("EUR"), prices, prices),
    ),
    max_size=8,
)


def plan_of(items: list[ResourceChange]) -> Plan:
    return Plan("shop", "", "", "", "", (), tuple(items), (), "live")


@given(changes)
def test_the_summary_counts_a_replacement_as_one_add_and_one_destroy(items):
    summary = plan_of(items).summary()
    assert summary["add"] == sum(c.actions in (CREATE, REPLACE, REPLACE_CBD) for c in items)
    assert summary["change"] == sum(c.actions == UPDATE for c in items)
    assert summary["destroy"] == sum(c.actions in (DELETE, REPLACE, REPLACE_CBD) for c in items)
    assert plan_of(items).has_changes == any(c.actions != NOOP for c in items)


@given(changes)
def test_the_monthly_cost_sums_deployments_and_is_incomplete_when_a_change_has_no_price(items):
    cost = plan_of(items).monthly_cost()
    deployments = [c for c in items if c.type == "deployment"]
    priced = [c.cost for c in deployments if c.cost is not None]
    before = sum((c.hourly_before or 0.0) * HOURS_PER_MONTH for c in priced)
    after = sum((c.hourly_after or 0.0) * HOURS_PER_MONTH for c in priced)
    assert abs(cost.before - before) < 0.01 * (len(priced) + 1) and abs(cost.after - after) < 0.01 * (
        len(priced) + 1
    )
    assert cost.diff == round(cost.after - cost.before, 2)
    # an unchanged deployment without a price costs what it cost; a changed one is unknown
    assert cost.complete == all(c.cost is not None or c.actions == NOOP for c in deployments)


def test_a_cost_per_month_is_730_hours_rounded_to_cents():
    assert Cost("EUR", 0.931, None).monthly_before == 679.63 and Cost("EUR", None, 1.0).monthly_before is None
