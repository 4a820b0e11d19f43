"""Models adopted by their `id`, and what no plan can see about a model.

Custom models cannot be tagged or renamed (the API has no update call for them, and its
create takes no tags), so a configuration's `id:` is the stack's only record that it owns a
model it did not import. These rules say when that record cannot stand: the model is named
for another stack, lives elsewhere than the configuration says, or is gone with nothing to
import in its place. They also say, on every model that has a `secret`, that a changed secret
cannot be seen: Scaleway never returns it, and it is used only when a model is imported.
"""

from __future__ import annotations

from collections.abc import Sequence

from infermod import hints
from infermod.config.model import Config, ModelSpec
from infermod.findings import Finding, Location
from infermod.plan.model import NOOP, ResourceChange
from infermod.records import Deployment
from infermod.state import ActualState, claimed_model_name


def adoption_findings(config: Config, state: ActualState, changes: Sequence[ResourceChange]) -> list[Finding]:
    refused = {region for region, _ in state.refused}
    by_id = {m.id: m for m in state.models}
    out = []
    for spec in config.models:
        if spec.id is None or spec.region in refused:
            continue
        model = by_id.get(spec.id)
        path = f"models.{spec.key}.id"
        where = config.where(path)
        ours = [c for c in changes if c.address == spec.address and c.resource_id == spec.id]
        if model is None:
            own = next((c for c in changes if c.address == spec.address and c.resource_id), None)
            if own is not None:
                message = (
                    f"model {spec.id} no longer exists; {spec.address} is the stack's own import "
                    f"({own.resource_id})"
                )
                out.append(_finding(spec, "info", message, where, "remove the `id` line"))
            elif spec.repo_id:
                message = f"model {spec.id} no longer exists: this plan imports {spec.address} again from its source"
                out.append(
                    _finding(spec, "warning", message, where, "remove the `id` line once it is imported")
                )
            else:
                message = (
                    f"there is no custom model {spec.id} in {spec.region} (project "
                    f"{spec.project_id or 'of the profile'}), and {spec.address} has no `source` to import it from"
                )
                hint = "correct the `id`, or write the model's `source` so that infermod imports it"
                out.append(_finding(spec, "error", message, where, hint))
        elif claimed_model_name(model.name):
            stack = model.name.split("--")[0]
            message = (
                f"model {spec.id} (`{model.name}`) is named for stack `{stack}`: it is that stack's import, "
                "and infermod will not adopt it"
            )
            out.append(_finding(spec, "error", message, where, "remove the `id` line"))
        elif ours and model.status == "error" and not spec.repo_id:
            message = (
                f"model {spec.id} (`{model.name}`) is in error ({model.error_message or 'no message'}), and "
                f"{spec.address} has no `source` to import it again from"
            )
            out.append(_finding(spec, "error", message, where, "write the model's `source`, then plan again"))
        elif not ours:
            message = (
                f"model {spec.id} (`{model.name}`) is in {model.region}, project {model.project_id}; "
                f"{spec.address} is configured for {spec.region}"
                + (f", project {spec.project_id}" if spec.project_id else ", the profile's project")
            )
            hint = "set the model's `region` and `project_id` to where the model is"
            out.append(_finding(spec, "error", message, where, hint))
    return out + secret_notes(config, changes)


def secret_notes(config: Config, changes: Sequence[ResourceChange]) -> list[Finding]:
    """A model that exists and has a `secret`: a new secret is not a change any plan can show."""
    users: dict[str, list[str]] = {}
    for c in changes:
        if c.type == "deployment" and isinstance(c.before, Deployment) and c.before.model_id:
            users.setdefault(c.before.model_id, []).append(c.address)
    out = []
    for c in changes:
        spec = config.model(c.key) if c.type == "model" else None
        if spec is None or spec.secret is None or c.actions != NOOP or c.resource_id is None:
            continue
        using = users.get(c.resource_id, [])
        message = (
            "Scaleway never returns a model's `secret` and uses it only when it imports the model, so a "
            "changed secret is not a change this plan can show"
        )
        if using:
            hint = (
                f"to import it again with the current secret, give the model a new key (the deployments that "
                f"use it, {', '.join(using)}, then move to the new import and the old one is deleted): "
                f"`--replace {spec.address}` deletes the model first, which they still use"
            )
        else:
            hint = f"to import it again with the current secret: `{hints.command('apply', '--replace', spec.address)}`"
        out.append(
            Finding(
                "model-secret-unseen",
                "info",
                message,
                spec.address,
                config.where(f"models.{spec.key}.secret"),
                f"models.{spec.key}.secret",
                hint,
            )
        )
    return out


def _finding(spec: ModelSpec, severity: str, message: str, where: Location | None, hint: str) -> Finding:
    return Finding(
        "model-adoption",
        severity,
        message,
        spec.address,
        where or spec.location,
        f"models.{spec.key}.id",
        hint,
    )
