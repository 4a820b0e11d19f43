"""Safety rules on a computed plan: never adopt, delete or break what the stack does not own."""

from __future__ import annotations

from infermod.config.model import Config, DeploymentSpec
from infermod.findings import Finding
from infermod.plan.model import ResourceChange
from infermod.state import ActualState


def conflicts(config: Config, spec: DeploymentSpec, project: str, state: ActualState) -> list[Finding]:
    out = []
    for dep in state.deployments:
        if (dep.region, dep.project_id, dep.name) == (
            spec.region,
            project,
            spec.name,
        ) and dep.stack != config.stack:
            owner = f"stack `{dep.stack}`" if dep.stack else "nothing managed by infermod"
            out.append(
                Finding(
                    "ownership-conflict",
                    "error",
                    f"a deployment named `{spec.name}` already exists in {spec.region} ({dep.id}), owned by {owner}; "
                    "infermod will not adopt or replace it",
                    spec.address,
                    config.where(f"deployments.{spec.key}"),
                    f"deployments.{spec.key}",
                    f"adopt it with `infermod import {spec.address} {dep.id}`, or set another `name:`",
                )
            )
    return out


def prevent_destroy(config: Config, changes: list[ResourceChange]) -> list[Finding]:
    guarded = {d.address: d for d in config.deployments if d.lifecycle.prevent_destroy}
    out = []
    for change in changes:
        spec = guarded.get(change.address)
        if spec is not None and "delete" in change.actions:
            what = "replace" if change.is_replace else "delete"
            out.append(
                Finding(
                    "lifecycle-prevent-destroy",
                    "error",
                    f"the plan would {what} {change.address} ({'; '.join(change.reasons)}), but lifecycle.prevent_destroy is set",
                    change.address,
                    config.where(f"deployments.{spec.key}.lifecycle.prevent_destroy"),
                    f"deployments.{spec.key}.lifecycle.prevent_destroy",
                    "revert the change, or remove prevent_destroy deliberately in a reviewed change",
                )
            )
    return out


def model_in_use(config: Config, state: ActualState, changes: list[ResourceChange]) -> list[Finding]:
    """A model this stack owns but a deployment outside the stack uses is never deleted."""
    deleted = {c.resource_id: c for c in changes if c.type == "model" and "delete" in c.actions}
    out = []
    for dep in state.deployments:
        change = deleted.get(dep.model_id)
        if change is not None and dep.stack != config.stack:
            out.append(
                Finding(
                    "model-in-use",
                    "error",
                    f"{change.address} would be deleted but deployment `{dep.name}` ({dep.id}), which this stack "
                    "does not own, uses it",
                    change.address,
                    None,
                    None,
                    "move that deployment to another model first",
                )
            )
    return out
