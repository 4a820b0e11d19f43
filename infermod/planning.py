"""Planning: the diff's changes, judged by the rules, in one visible sequence.

plan/ computes what differs between the desired and the actual records and knows no rule;
rules/ judge changes and configurations and compute none. This module, above both, runs them,
after sorting out once what the stack owns in the actual state (`ActualState.of_stack`: its
deployments per key, its models, what carries its tag unmanaged, what an `id:` may adopt), which
every step reads as data:

 1. diff           plan/diff.py             one change per resource, desired against actual
 2. updates        rules/updates.py         how the API carries each out: in place, or replaced
 3. targeting      plan/targeting.py        --replace forces replacements, --target narrows
 4. safety         rules/safety.py          never adopt, delete or break what the stack does not
                                            own: over every change, and the forced replacements
 5. consequences   rules/consequences.py    what each change does to the deployment's users
 6. status, regions, quota, catalog, custom models   rules/status.py ... rules/engine.py
 7. policy         rules/policy.py          the gates, over the finished plan

No I/O here: `infermod.commands.common.read_and_plan` reads Scaleway and calls `build_plan`.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from infermod import __version__
from infermod.catalog import Catalog
from infermod.config.model import Config
from infermod.deferred import Deferred
from infermod.findings import Finding
from infermod.plan.diff import compare
from infermod.plan.model import ApiBinding, Plan, ResourceChange
from infermod.plan.targeting import narrow
from infermod.rules.consequences import with_consequences
from infermod.rules.engine import catalog_findings, custom_model_findings
from infermod.rules.policy import Policy, policy_findings
from infermod.rules.quota import plan_quota_findings
from infermod.rules.regions import region_findings
from infermod.rules.safety import safety_findings
from infermod.rules.status import plan_status_findings
from infermod.rules.updates import carried_out
from infermod.state import ActualState


class Observed(NamedTuple):
    """What was read from Scaleway (or the sandbox) for one plan."""

    state: ActualState
    catalog: Catalog
    default_project: str
    sandbox: bool
    api: ApiBinding | None = None  # the API read, and its scope


def judged_diff(
    config: Config,
    state: ActualState,
    catalog: Catalog,
    default_project: str,
    destroy: bool = False,
) -> tuple[list[ResourceChange], list[Finding]]:
    """Steps 1, 2 and 4 from what was read, without targeting: the changes as the API will
    carry them out, and what is unsafe about them."""
    ours = state.of_stack(config.stack)
    changes = carried_out(config, ours, compare(config, ours, catalog, default_project, destroy))
    return changes, safety_findings(config, ours, changes)


def build_plan(
    config: Config,
    observed: Observed,
    eol_horizon: int | None,
    *,
    destroy: bool = False,
    policy: Policy | None = None,
    prior_findings: list[Finding] | None = None,
    check_models: bool = False,
    now: dt.datetime | None = None,
    targets: tuple[str, ...] = (),
    replace: tuple[str, ...] = (),
) -> Plan:
    state, catalog = observed.state, observed.catalog
    ours = state.of_stack(config.stack)  # sorted out once: the steps below read it as data
    changes = compare(config, ours, catalog, observed.default_project, destroy)
    changes = carried_out(config, ours, changes)
    narrowed = narrow(config, changes, targets, replace, destroy)
    # safety judges every change, not only the targeted ones, and the forced replacements too
    findings = list(prior_findings or []) + safety_findings(config, ours, changes, narrowed.forced)
    changes = [with_consequences(c) for c in narrowed.changes]
    findings += plan_status_findings(config, ours, changes)
    findings += region_findings(config, state)
    if not destroy:
        findings += plan_quota_findings(config, state, changes, observed.sandbox)
        findings += catalog_findings(config, catalog, eol_horizon)
        if check_models:
            findings += custom_model_findings(config, catalog)
    plan = Plan(
        stack=config.stack,
        created_at=(now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        infermod_version=__version__,
        config_digest=Deferred(lambda: config.digest),  # read only by views that show it
        state_fingerprint=ours.fingerprint,
        files=config.files,
        changes=tuple(changes),
        findings=tuple(findings),
        catalog_source=catalog.source,
        sandbox=observed.sandbox,
        currency=catalog.currency,
        destroy=destroy,
        targets=targets,
        replace=replace,
        api=observed.api,
    )
    gates = policy_findings(plan, policy, narrowed.left_out_monthly) if policy else []
    return plan._replace(findings=plan.findings + tuple(gates))
