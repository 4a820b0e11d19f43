"""Make a Plan from data: the configuration, the actual state and catalog already read, the rules.

No I/O here: `infermod.commands.common.read_and_plan` reads Scaleway and calls `build_plan`.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from infermod import __version__
from infermod.catalog import Catalog
from infermod.config.model import Config
from infermod.findings import Finding
from infermod.plan.diff import diff
from infermod.plan.model import Plan
from infermod.plan.targeting import narrow
from infermod.rules.engine import catalog_findings, custom_model_findings
from infermod.rules.policy import Policy, policy_findings
from infermod.rules.quota import plan_quota_findings
from infermod.rules.regions import region_findings
from infermod.rules.status import plan_status_findings
from infermod.state import ActualState


class Observed(NamedTuple):
    """What was read from Scaleway (or the sandbox) for one plan."""

    state: ActualState
    catalog: Catalog
    default_project: str
    sandbox: bool


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
    changes, findings = diff(config, state, catalog, observed.default_project, destroy)
    narrowed = narrow(config, changes, targets, replace, destroy)
    changes, findings = narrowed.changes, findings + narrowed.findings
    findings = list(prior_findings or []) + findings
    findings += plan_status_findings(config, state, changes)
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
        config_digest=config.digest,
        state_fingerprint=state.fingerprint(config.stack),
        files=config.files,
        changes=tuple(changes),
        findings=tuple(findings),
        catalog_source=catalog.source,
        sandbox=observed.sandbox,
        currency=catalog.currency,
        destroy=destroy,
        targets=targets,
        replace=replace,
    )
    gates = policy_findings(plan, policy, narrowed.left_out_monthly) if policy else []
    return plan._replace(findings=plan.findings + tuple(gates))
