"""Policy gates a team sets on the command line (--deny-destroy, --max-monthly-cost)."""

from __future__ import annotations

from typing import NamedTuple

from infermod.findings import Finding
from infermod.plan.model import Plan


class Policy(NamedTuple):
    deny_destroy: bool = False
    max_monthly_cost: float | None = None


def policy_findings(plan: Plan, policy: Policy, left_out_monthly: float = 0.0) -> list[Finding]:
    """`left_out_monthly`: what the deployments a targeted plan leaves out go on costing."""
    out = _deny_destroy(plan) if policy.deny_destroy else []
    if policy.max_monthly_cost is not None:
        out += _max_monthly_cost(plan, policy.max_monthly_cost, left_out_monthly)
    return out


def _deny_destroy(plan: Plan) -> list[Finding]:
    out = []
    for change in plan.changes:
        if "delete" in change.actions:
            what = "replaces" if change.is_replace else "deletes"
            out.append(
                Finding(
                    "policy-deny-destroy",
                    "error",
                    f"--deny-destroy: the plan {what} {change.address} ({'; '.join(change.reasons)})",
                    change.address,
                )
            )
    return out


def _max_monthly_cost(plan: Plan, limit: float, left_out_monthly: float) -> list[Finding]:
    after = round(plan.monthly_cost().after + left_out_monthly, 2)
    if after <= limit:
        return []
    priced = [c for c in plan.changes if c.cost is not None and c.cost.monthly_after]
    top = max(priced, key=lambda c: c.cost.monthly_after or 0.0 if c.cost else 0.0, default=None)
    biggest = f"; the largest is {top.address} at {top.cost.monthly_after:.2f}" if top and top.cost else ""
    return [
        Finding(
            "policy-max-monthly-cost",
            "error",
            f"--max-monthly-cost: the monthly cost after this plan would be {after:.2f} {plan.currency}, "
            f"over the limit of {limit:.2f}{biggest}",
            top.address if top else None,
        )
    ]
