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
from infermod.state import PUBLIC_PROJECT_ID, STACK_TAG, StackState


def adoption_findings(config: Config, ours: StackState, changes: Sequence[ResourceChange]) -> list[Finding]:
    refused = {region for region, _ in ours.everything.refused}
    by_id = {m.id: m for m in ours.everything.models}
    out = []
    for spec in config.models:
        model = by_id.get(spec.id) if spec.id is not None else None
        if spec.project_id == PUBLIC_PROJECT_ID or (
            model is not None and model.project_id == PUBLIC_PROJECT_ID
        ):
            out.append(_catalog_finding(config, spec, model.name if model is not None else None))
            continue
        if spec.id is None or spec.region in refused:
            continue
        path = f"models.{spec.key}.id"
        where = config.where(path)
        adopted = [c for c in changes if c.address == spec.address and c.resource_id == spec.id]
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
        elif model.id not in ours.adoptable_models:  # named for a stack
            stack = model.name.split("--")[0]
            message = (
                f"model {spec.id} (`{model.name}`) is named for stack `{stack}`: it is that stack's import, "
                "and infermod will not adopt it"
            )
            out.append(_finding(spec, "error", message, where, "remove the `id` line"))
        elif adopted and model.status == "error" and not spec.repo_id:
            message = (
                f"model {spec.id} (`{model.name}`) is in error ({model.error_message or 'no message'}), and "
                f"{spec.address} has no `source` to import it again from"
            )
            out.append(_finding(spec, "error", message, where, "write the model's `source`, then plan again"))
        elif not adopted:
            message = (
                f"model {spec.id} (`{model.name}`) is in {model.region}, project {model.project_id}; "
                f"{spec.address} is configured for {spec.region}"
                + (f", project {spec.project_id}" if spec.project_id else ", the profile's project")
            )
            hint = "set the model's `region` and `project_id` to where the model is"
            out.append(_finding(spec, "error", message, where, hint))
    return out + deployment_findings(config, ours, changes) + secret_notes(config, changes)


def deployment_findings(config: Config, ours: StackState, changes: Sequence[ResourceChange]) -> list[Finding]:
    """A deployment's `id:` that the plan cannot adopt, and why."""
    refused = {region for region, _ in ours.everything.refused}
    by_id = {d.id: d for d in ours.everything.deployments}
    by_address = {c.address: c for c in changes if c.type == "deployment" and c.actions != ("create",)}
    out = []
    for spec in config.deployments:
        if spec.id is None or spec.region in refused:
            continue
        dep = by_id.get(spec.id)
        change = by_address.get(spec.address)
        path = f"deployments.{spec.key}.id"
        where = config.where(path) or spec.location

        def finding(severity: str, message: str, hint: str) -> Finding:
            return Finding("deployment-adoption", severity, message, spec.address, where, path, hint)  # noqa: B023

        if change is not None and change.importing == spec.id:
            continue  # adopted by this plan
        if change is not None and change.resource_id and change.resource_id != spec.id:
            if dep is not None and dep.status != "deleting":
                message = (
                    f"{spec.address} is {change.resource_id} already; deployment {spec.id}, which its `id` names, "
                    "is left as it is"
                )
                out.append(finding("warning", message, "remove or correct the `id` line"))
            else:
                message = f"deployment {spec.id} no longer exists; {spec.address} is {change.resource_id}"
                out.append(finding("info", message, "remove the `id` line (it was adopted, then replaced)"))
            continue
        if change is not None:
            continue  # owned under its key, by the same id
        if dep is None or dep.status == "deleting":
            message = f"there is no deployment {spec.id} (its `id`): this plan creates {spec.address}"
            out.append(
                finding("warning", message, "correct the `id`, or remove it to create a new deployment")
            )
        elif dep.id not in ours.adoptable_deployments:
            owner = ", ".join(sorted({t[len(STACK_TAG) :] for t in dep.tags if t.startswith(STACK_TAG)}))
            message = (
                f"deployment {spec.id} (`{dep.name}`) carries the tags of stack `{owner}`"
                + (f" (key `{dep.key}`)" if dep.key else "")
                + ": infermod will not take it over"
            )
            out.append(
                finding("error", message, "remove the `id` line, or that deployment's `infermod:` tags")
            )
        else:
            message = (
                f"deployment {spec.id} (`{dep.name}`) is in {dep.region}, project {dep.project_id}; {spec.address} "
                f"is configured for {spec.region}"
                + (f", project {spec.project_id}" if spec.project_id else ", the profile's project")
            )
            out.append(
                finding("error", message, "set the deployment's `region` and `project_id` to where it is")
            )
    return out


def secret_notes(config: Config, changes: Sequence[ResourceChange]) -> list[Finding]:
    """A model that exists and has a `secret`: a new secret is not a change any plan can show."""
    users: dict[str, list[str]] = {}
    for c in changes:
        if c.type == "deployment" and isinstance(c.before, Deployment) and c.before.model_id:
            users.setdefault(c.before.model_id, []).append(c.address)
    models: dict[str, ModelSpec] = {}
    for model in config.models:
        models.setdefault(model.key, model)  # one lookup table, not a scan per change
    out = []
    for c in changes:
        spec = models.get(c.key) if c.type == "model" else None
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


def _catalog_finding(config: Config, spec: ModelSpec, name: str | None) -> Finding:
    """Project 00000000-… is Scaleway's public catalog: never adopted, imported into or deleted."""
    field = "id" if spec.project_id != PUBLIC_PROJECT_ID else "project_id"
    path = f"models.{spec.key}.{field}"
    if name is not None:
        what = f"model {spec.id} (`{name}`) is a model of Scaleway's public catalog (project {PUBLIC_PROJECT_ID})"
    else:
        what = f"project {PUBLIC_PROJECT_ID} is Scaleway's public catalog"
    message = f"{what}, not a custom model: {spec.address} can neither adopt nor import it, and infermod never deletes it"
    hint = (
        "remove the model (a deployment names a catalog model by its `model:` name), or set the "
        "`id` and `project_id` of a custom model of yours"
    )
    return Finding(
        "model-adoption", "error", message, spec.address, config.where(path) or spec.location, path, hint
    )


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
