"""Make a Plan: read the actual state once, diff, run the rules, apply the policy gates."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from infermod import __version__
from infermod.config.model import Config
from infermod.findings import Finding
from infermod.plan.diff import diff
from infermod.plan.model import Plan
from infermod.rules.engine import catalog_findings, custom_model_findings
from infermod.scw.session import Session
from infermod.state import ActualState


class Policy(NamedTuple):
    deny_destroy: bool = False
    max_monthly_cost: float | None = None


def build_plan(
    config: Config,
    session: Session,
    eol_horizon: int | None,
    *,
    destroy: bool = False,
    policy: Policy | None = None,
    prior_findings: list[Finding] | None = None,
    check_models: bool = False,
) -> tuple[Plan, ActualState]:
    state, catalog = session.read()
    changes, findings = diff(config, state, catalog, session.default_project, destroy)
    findings = list(prior_findings or []) + findings
    if not destroy:
        findings += catalog_findings(config, catalog, eol_horizon)
        if check_models:
            findings += custom_model_findings(config, catalog)
    plan = Plan(
        stack=config.stack,
        created_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        infermod_version=__version__,
        config_digest=config.digest,
        state_fingerprint=state.fingerprint(config.stack),
        files=config.files,
        changes=tuple(changes),
        findings=tuple(findings),
        catalog_source=catalog.source,
        sandbox=session.sandbox,
        currency=catalog.currency,
        destroy=destroy,
    )
    gates = policy_findings(plan, policy) if policy else []
    return plan._replace(findings=plan.findings + tuple(gates)), state


def policy_findings(plan: Plan, policy: Policy) -> list[Finding]:
    out = []
    if policy.deny_destroy:
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
    if policy.max_monthly_cost is not None:
        cost = plan.monthly_cost()
        after = cost["after"] or 0.0
        if after > policy.max_monthly_cost:
            priced = [c for c in plan.changes if c.cost is not None and c.cost.monthly_after]
            top = max(priced, key=lambda c: c.cost.monthly_after or 0.0 if c.cost else 0.0, default=None)
            biggest = (
                f"; the largest is {top.address} at {top.cost.monthly_after:.2f}" if top and top.cost else ""
            )
            out.append(
                Finding(
                    "policy-max-monthly-cost",
                    "error",
                    f"--max-monthly-cost: the monthly cost after this plan would be {after:.2f} {plan.currency}, "
                    f"over the limit of {policy.max_monthly_cost:.2f}{biggest}",
                    top.address if top else None,
                )
            )
    return out
