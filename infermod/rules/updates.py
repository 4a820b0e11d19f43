"""What the API can change in place, and what that costs: the rule that says how each update
the diff found is carried out (in place, or by a replacement)."""

from __future__ import annotations

from collections.abc import Sequence

from infermod.config.model import Config
from infermod.plan.model import NOOP, REPLACE, REPLACE_CBD, UPDATE, ResourceChange
from infermod.scw.statuses import SETTLING
from infermod.state import StackState

# Fields the API has no update call for: changing one means a new deployment (name shown to users).
REPLACE_FIELDS = {"node_type": "node type", "region": "region", "project_id": "project"}
# Fields an update can change, but only by redeploying the nodes.
DOWNTIME_FIELDS = {"model", "min_size", "max_size", "quantization"}
# How long a redeploy leaves a deployment without service (Scaleway's "change model" docs).
REDEPLOY_TIME = "≈15–30 min"  # noqa: RUF001 - the en dash is meant
# How long a rename or tag change shows the deployment `deploying`: recorded after a rename
# (Terraform provider's deployment-endpoint test): `ready` for ~2 s, then `deploying` ~2 minutes.
RELABEL_TIME = "≈2 min"
DOWNTIME = (
    "the deployment is unavailable while it redeploys (15-30 minutes per the product docs); "
    "set lifecycle.create_before_destroy for a zero-downtime replacement"
)
# Statuses a deployment passes through on its own: apply waits for them to settle. Not
# `locked`: it is final until Scaleway lifts it (rules/status.py makes it a finding).
TRANSIENT = SETTLING


def carried_out(config: Config, ours: StackState, changes: Sequence[ResourceChange]) -> list[ResourceChange]:
    """Each existing deployment's change as the API can carry it out: in place, or replaced
    (a field without an update call, an error state, or create-before-destroy over downtime)."""
    lifecycle = {d.address: d.lifecycle for d in config.deployments}
    errors = {d.id: d.error_message for d in ours.deployments if d.status == "error"}
    return [
        _carried_out(c, lifecycle[c.address].create_before_destroy, errors)
        if c.type == "deployment" and c.actions in (NOOP, UPDATE)
        else c
        for c in changes
    ]


def _carried_out(change: ResourceChange, cbd: bool, errors: dict[str, str | None]) -> ResourceChange:
    if change.actions == NOOP and change.status != "error":
        return change  # nothing differs (the diff's NOOP): kept as it is, not copied
    fields = tuple(
        f._replace(forces_replacement=f.field in REPLACE_FIELDS, downtime=f.field in DOWNTIME_FIELDS)
        for f in change.field_changes
    )
    base = change._replace(actions=NOOP, field_changes=fields)
    forced = [f for f in fields if f.forces_replacement]
    if change.status == "error":
        message = errors.get(change.resource_id or "")
        return base._replace(
            actions=REPLACE_CBD if cbd else REPLACE,
            action_reason="replace_because_error",
            reasons=(f"the deployment is in error state: {message or 'no message'}",),
        )
    if forced:
        names = ", ".join(REPLACE_FIELDS[f.field] for f in forced)
        return base._replace(
            actions=REPLACE_CBD if cbd else REPLACE,
            action_reason="replace_because_cannot_update",
            reasons=(f"{names} cannot be changed in place: the API has no update for it",),
        )
    downtime = [f for f in fields if f.downtime]
    if downtime and cbd:
        return base._replace(
            actions=REPLACE_CBD,
            action_reason="replace_for_zero_downtime",
            reasons=(
                f"{', '.join(f.field for f in downtime)} changed and lifecycle.create_before_destroy is set: "
                "a new deployment is made ready before the old one is deleted",
            ),
        )
    if not fields and not change.endpoint_changes:
        return base
    reasons = []
    if change.status in TRANSIENT:
        reasons.append(f"currently {change.status}: apply waits until it is ready before changing it")
    return base._replace(
        actions=UPDATE,
        reasons=tuple(reasons),
        downtime=DOWNTIME if downtime else None,
    )
