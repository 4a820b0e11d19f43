"""Deployment statuses a plan must not ignore: `locked` and `unknown_status`.

`locked` is final in both SDKs' waiters and only Scaleway lifts it: a locked deployment
refuses every change and its deletion, so a plan that would touch one cannot be applied (an
error, found before any write); one the plan leaves alone is a warning, as it may not be
serving. `unknown_status` means Scaleway does not say what state the deployment is in: a
warning, since apply cannot tell when it has settled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from infermod.config.model import Config
from infermod.findings import Finding
from infermod.plan.model import NOOP, ResourceChange
from infermod.scw.statuses import LOCKED, UNKNOWN, locked_message
from infermod.state import ActualDeployment, StackState


def status_findings(config: Config, touched: Iterable[tuple[ActualDeployment, bool]]) -> list[Finding]:
    """`touched`: each actual deployment the stack owns, and whether the plan changes it."""
    out = []
    for dep, changes in touched:
        if dep.status not in (LOCKED, UNKNOWN):
            continue
        key = dep.key
        path = f"deployments.{key}" if key and any(d.key == key for d in config.deployments) else None
        where = config.where(path) if path else None
        resource = f"deployment.{key or dep.name}"
        if dep.status == LOCKED:
            message = locked_message(dep.name) + (
                ": the plan cannot change it" if changes else "; the plan leaves it alone"
            )
            hint = "wait for Scaleway to unlock it (ask Scaleway support), then plan again"
            out.append(
                Finding(
                    "deployment-locked",
                    "error" if changes else "warning",
                    message,
                    resource,
                    where,
                    path,
                    hint,
                )
            )
        else:
            message = f"Scaleway reports deployment `{dep.name}` as unknown_status: its state cannot be known"
            hint = "check it in the Scaleway console before applying"
            out.append(Finding("deployment-status-unknown", "warning", message, resource, where, path, hint))
    return out


def plan_status_findings(
    config: Config, ours: StackState, changes: Sequence[ResourceChange]
) -> list[Finding]:
    """Status findings for the deployments the stack owns, knowing which the plan changes."""
    changed = {
        c.resource_id for c in changes if c.type == "deployment" and c.resource_id and c.actions != NOOP
    }
    return status_findings(config, [(d, d.id in changed) for d in ours.deployments])
