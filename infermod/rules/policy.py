"""Policy gates a team sets on the command line (--deny-destroy, --max-monthly-cost, --fail-on).

Each gate that trips is an error finding in the plan itself, so every view (text, JSON,
markdown, the merge-request note) says that the plan is refused, and why.
"""

from __future__ import annotations

from typing import NamedTuple

from infermod.findings import Finding, severity_rank
from infermod.plan.model import Plan


class Policy(NamedTuple):
    deny_destroy: bool = False
    max_monthly_cost: float | None = None
    fail_on: str | None = None  # "warning" | "error"


def policy_findings(plan: Plan, policy: Policy, left_out_monthly: float = 0.0) -> list[Finding]:
    """`left_out_monthly`: what the deployments a targeted plan leaves out go on costing."""
    out = _deny_destroy(plan) if policy.deny_destroy else []
    if policy.max_monthly_cost is not None:
        out += _max_monthly_cost(plan, policy.max_monthly_cost, left_out_monthly)
    if policy.fail_on == "warning":  # errors refuse a plan anyway
        out += _fail_on_warning(plan)
    return out


def _fail_on_warning(plan: Plan) -> list[Finding]:
    threshold = severity_rank("warning")
    tripped = [f for f in plan.findings if f.severity != "error" and severity_rank(f.severity) >= threshold]
    if not tripped:
        return []
    which = ", ".join(f"{f.rule_id} ({f.resource})" if f.resource else f.rule_id for f in tripped)
    return [
        Finding(
            "policy-fail-on",
            "error",
            f"--fail-on warning: {len(tripped)} warning(s) refuse this plan: {which}",
            hint="fix what the warnings say, or drop --fail-on warning if the team accepts them",
        )
    ]


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
