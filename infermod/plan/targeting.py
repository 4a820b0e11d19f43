"""`--target` and `--replace`: a plan narrowed to named resources, or forced replacements.

Both start from the full diff, so what a targeted plan does for a resource is exactly what
the full plan would do for it; what it leaves out is left for a later, full plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from infermod.config.model import Config
from infermod.errors import PlanError
from infermod.plan.model import CREATE, DELETE, REPLACE, REPLACE_CBD, ResourceChange
from infermod.records import Deployment

REPLACE_REASON = "replacement requested with --replace"


class Narrowed(NamedTuple):
    changes: list[ResourceChange]
    forced: list[ResourceChange]  # the replacements --replace made, kept or not: rules judge them
    left_out_monthly: float  # what the deployments left out go on costing, for the cost gate


def narrow(
    config: Config,
    changes: Sequence[ResourceChange],
    targets: Sequence[str],
    replace: Sequence[str],
    destroy: bool,
) -> Narrowed:
    out = force_replacements(changes, replace, config) if replace else list(changes)
    forced = [c for c in out if c.address in replace and c.action_reason == "replace_by_request"]
    if not targets:
        return Narrowed(out, forced, 0.0)
    kept = select(out, targets, destroy)
    chosen = {c.address for c in kept}
    left_out = sum(
        c.cost.monthly_before or 0.0
        for c in out
        if c.address not in chosen and c.cost is not None and c.type == "deployment"
    )
    return Narrowed(kept, forced, round(left_out, 2))


def force_replacements(
    changes: Sequence[ResourceChange], replace: Sequence[str], config: Config
) -> list[ResourceChange]:
    """Each --replace deployment becomes a replacement, and each --replace model a new import,
    whatever the diff found."""
    out = list(changes)
    for address in replace:
        index = next((i for i, c in enumerate(out) if c.address == address and c.actions != DELETE), None)
        if index is None:
            gone = any(c.address == address for c in out)
            why = (
                "it is no longer in the configuration (this plan deletes it)"
                if gone
                else f"no such {address.split('.')[0]}"
            )
            raise PlanError(f"--replace {address}: {why}")
        change = out[index]
        if change.actions == CREATE:
            raise PlanError(f"--replace {address}: it does not exist yet (this plan creates it)")
        if change.is_replace:
            out[index] = change._replace(reasons=(*change.reasons, REPLACE_REASON))
            continue
        if change.type == "model":
            out[index] = _reimport(change, out, config)
            continue
        spec = next(d for d in config.deployments if d.address == address)
        out[index] = change._replace(
            actions=REPLACE_CBD if spec.lifecycle.create_before_destroy else REPLACE,
            action_reason="replace_by_request",
            reasons=(REPLACE_REASON,),
            downtime=None,
        )
    return out


def _reimport(change: ResourceChange, changes: Sequence[ResourceChange], config: Config) -> ResourceChange:
    """`--replace model.KEY`: delete the model, then import it again from its source (with the
    configuration's current `secret`, which no plan can compare). The model keeps its name, so
    it cannot be imported again before the old one is deleted: refused while deployments use it."""
    spec = config.model(change.key)
    if spec is None or not spec.repo_id:
        raise PlanError(
            f"--replace {change.address}: it has no `source` in the configuration to import it again from; "
            "write the Hugging Face repository as `source:` first"
        )
    users = sorted(
        c.address
        for c in changes
        if c.type == "deployment"
        and isinstance(c.before, Deployment)
        and c.before.model_id == change.resource_id
    )
    if users:
        raise PlanError(
            f"--replace {change.address}: {', '.join(users)} {'use' if len(users) > 1 else 'uses'} it, and "
            "importing it again deletes it first (the new import takes its name); to import it again "
            "without stopping them, give the model a new key under `models:` and point them at it: "
            "infermod imports the new one, moves them, then deletes the old one"
        )
    reasons = (
        f"import it again from {spec.source_url}, with the configuration's current `secret`",
        REPLACE_REASON,
    )
    return change._replace(actions=REPLACE, action_reason="replace_by_request", reasons=reasons)


def select(changes: Sequence[ResourceChange], targets: Sequence[str], destroy: bool) -> list[ResourceChange]:
    """The changes of the targets and of what they need; a PlanError for an unknown target."""
    known = sorted({c.address for c in changes})
    unknown = [t for t in targets if t not in known]
    if unknown:
        raise PlanError(
            f"--target {', '.join(unknown)}: not in the configuration nor among the stack's resources "
            f"(they are: {', '.join(known) or 'none'})"
        )
    chosen = set(targets)
    models = {c.address for c in changes if c.type == "model" and c.address in chosen}
    model_ids = {c.resource_id for c in changes if c.address in models and c.resource_id}
    for c in changes:
        if c.type != "deployment":
            continue
        if destroy and _model_id(c) in model_ids:
            chosen.add(c.address)  # a model goes with the deployments that use it
        elif not destroy and c.address in targets:
            chosen.update(c.depends_on)  # a deployment comes with the model it needs
        elif not destroy and models & set(c.depends_on):
            chosen.add(c.address)  # a model comes with the deployments that move to it
    kept = [c for c in changes if c.address in chosen]
    # An old model is deleted only when nothing left out of the plan still uses it.
    used = {_model_id(c) for c in changes if c.type == "deployment" and c.address not in chosen}
    return [c for c in kept if not (c.type == "model" and c.actions == DELETE and c.resource_id in used)]


def _model_id(change: ResourceChange) -> str | None:
    """The model a deployment uses now."""
    return change.before.model_id if isinstance(change.before, Deployment) else None
