"""Safety rules on a computed plan: never adopt, delete or break what the stack does not own."""

from __future__ import annotations

from collections.abc import Sequence

from infermod import hints
from infermod.config.model import Config, DeploymentSpec
from infermod.findings import Finding
from infermod.plan.duplicates import DUPLICATE
from infermod.plan.model import CREATE, UPDATE, ResourceChange
from infermod.records import Deployment
from infermod.rules.adoption import adoption_findings
from infermod.state import NAME_TAG, STACK_TAG, ActualDeployment, ActualState, StackState

NameIndex = dict[tuple[str, str, str], list[ActualDeployment]]


def safety_findings(
    config: Config,
    ours: StackState,
    changes: Sequence[ResourceChange],
    forced: Sequence[ResourceChange] = (),
) -> list[Finding]:
    """What the stack does not own, in the way of the diff's changes: deployments carrying one
    key twice, names taken by others, guarded deletions, models that others use; then the same
    for the replacements --replace forces (`forced`: a model replaced is deleted first)."""
    settled = {c.resource_id for c in changes if c.action_reason == DUPLICATE}  # not a conflict: deleted
    by_key = {key: [d for d in deps if d.id not in settled] for key, deps in ours.by_key.items()}
    findings = ownership_findings(config, ours, by_key)
    findings += creation_conflicts(config, ours.everything, changes)
    findings += rename_conflicts(config, ours.everything, changes)
    findings += prevent_destroy(config, changes)
    findings += model_in_use(config, ours.everything, changes)
    findings += adoption_findings(config, ours, changes)
    return findings + prevent_destroy(config, forced) + model_in_use(config, ours.everything, forced)


def creation_conflicts(
    config: Config, state: ActualState, changes: Sequence[ResourceChange]
) -> list[Finding]:
    """A deployment to create whose name another stack (or nothing managed) holds already."""
    created = {c.address: c for c in changes if c.type == "deployment" and c.actions == CREATE}
    if not created:
        return []
    names = name_index(state)  # built once, and only when something is created
    out = []
    for spec in config.deployments:
        change = created.get(spec.address)
        if change is not None:
            out += conflicts(config, spec, change.project_id, names)
    return out


def name_index(state: ActualState) -> NameIndex:
    """Every actual deployment by (region, project, name): the conflict check looks a name up
    instead of scanning all deployments for each one created (5,000 x 5,000 otherwise)."""
    index: NameIndex = {}
    for dep in state.deployments:
        index.setdefault((dep.region, dep.project_id, dep.name), []).append(dep)
    return index


def rename_conflicts(config: Config, state: ActualState, changes: Sequence[ResourceChange]) -> list[Finding]:
    """A deployment renamed (in place, or by a replacement) to the name another live deployment
    of its region and project has, which the stack neither owns nor adopts. Nothing recorded or
    documented says Scaleway refuses a deployment name twice (the provider documents uniqueness
    for custom models' names only; docs/scaleway-api-assumptions.md B18), so the apply would
    leave two deployments of one name: a warning naming both."""
    moved = [
        c
        for c in changes
        if c.type == "deployment"
        and isinstance(c.before, Deployment)
        and isinstance(c.after, Deployment)
        and (c.before.name, c.before.region, c.before.project_id)
        != (c.after.name, c.after.region, c.after.project_id)
    ]
    if not moved:
        return []
    names = name_index(state)
    adopted = {d.id for d in config.deployments if d.id is not None}
    out = []
    for change in moved:
        before, after = change.before, change.after
        assert isinstance(before, Deployment) and isinstance(after, Deployment)  # moved's filter
        for dep in names.get((after.region, after.project_id, after.name), []):
            if dep.stack == config.stack or dep.id in adopted or dep.id == change.resource_id:
                continue
            owner, _ = _owner(config, dep)
            how = "renamed" if change.actions == UPDATE else "replaced by one named"
            out.append(
                Finding(
                    "name-taken",
                    "warning",
                    f"{change.address} ({change.resource_id}, `{before.name}`) would be {how} `{after.name}`, the "
                    f"name of deployment {dep.id} in {after.region}, owned by {owner}: Scaleway is not known to "
                    f"refuse a name twice, so two deployments would be named `{after.name}`",
                    change.address,
                    config.where(f"deployments.{change.key}.name")
                    or config.where(f"deployments.{change.key}"),
                    f"deployments.{change.key}.name",
                    "choose another `name:`; infermod does not touch the other deployment",
                )
            )
    return out


def _owner(config: Config, dep: ActualDeployment) -> tuple[str, list[str]]:
    """Who owns a deployment this stack does not, and every other stack's tag it carries, as
    `infermod import` reads them (it refuses such a deployment)."""
    theirs = sorted({t[len(STACK_TAG) :] for t in dep.tags if t.startswith(STACK_TAG)} - {config.stack})
    if theirs:
        return " and ".join(f"stack `{s}`" for s in theirs), theirs
    return "nothing managed by infermod", theirs


def conflicts(config: Config, spec: DeploymentSpec, project: str, names: NameIndex) -> list[Finding]:
    out = []
    for dep in names.get((spec.region, project, spec.name), []):
        if dep.stack != config.stack:
            owner, theirs = _owner(config, dep)
            if theirs:
                tags = " and ".join(f"{STACK_TAG}{s}" for s in theirs)
                hint = f"set another `name:` (`infermod import` refuses it while it carries {tags})"
            else:
                hint = (
                    f"adopt it with `{hints.command('import', spec.address, dep.id)}`, or set another `name:`"
                )
            out.append(
                Finding(
                    "ownership-conflict",
                    "error",
                    f"a deployment named `{spec.name}` already exists in {spec.region} ({dep.id}), owned by {owner}; "
                    "infermod will not adopt or replace it",
                    spec.address,
                    config.where(f"deployments.{spec.key}"),
                    f"deployments.{spec.key}",
                    hint,
                )
            )
    return out


def prevent_destroy(config: Config, changes: Sequence[ResourceChange]) -> list[Finding]:
    guarded = {d.address: d for d in config.deployments if d.lifecycle.prevent_destroy}
    declared = {d.address for d in config.deployments}
    out = []
    for change in changes:
        if (
            config.prevent_destroy_default
            and change.type == "deployment"
            and change.address not in declared
            and "delete" in change.actions
            and change.action_reason != DUPLICATE
        ):
            out.append(_removed_but_protected(config, change))
            continue
        spec = guarded.get(change.address)
        # a duplicate an interrupted run left is not the deployment prevent_destroy protects
        if spec is not None and "delete" in change.actions and change.action_reason != DUPLICATE:
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


def _removed_but_protected(config: Config, change: ResourceChange) -> Finding:
    """The stack-wide default still says what it says when a deployment's block is removed:
    unlike Terraform's per-resource prevent_destroy, which leaves with its block, this one stays
    in the file, so a deletion it would let through unnoticed in a long diff is refused."""
    return Finding(
        "lifecycle-prevent-destroy",
        "error",
        f"the plan would delete {change.address} ({'; '.join(change.reasons)}), but "
        "defaults.lifecycle.prevent_destroy is set for the whole stack: removing a deployment's "
        "block does not lift it",
        change.address,
        config.where("defaults.lifecycle.prevent_destroy"),
        "defaults.lifecycle.prevent_destroy",
        "bring the block back; to delete it deliberately, set defaults.lifecycle.prevent_destroy: "
        "false in a reviewed change (and prevent_destroy: true on each deployment that stays protected)",
    )


def model_in_use(config: Config, state: ActualState, changes: Sequence[ResourceChange]) -> list[Finding]:
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


def ownership_findings(
    config: Config, ours: StackState, by_key: dict[str, list[ActualDeployment]]
) -> list[Finding]:
    out = []
    declared = {d.key for d in config.deployments}
    for key, deps in sorted(by_key.items()):
        if len(deps) > 1:
            ids = " and ".join(f"{d.id} (`{d.name}` in {d.region}, created {d.created_at})" for d in deps)
            out.append(
                Finding(
                    "ownership-conflict",
                    "error",
                    f"{len(deps)} deployments carry the tags of deployment.{key}: {ids}; infermod changes "
                    "and deletes neither",
                    f"deployment.{key}",
                    config.where(f"deployments.{key}") if key in declared else None,
                    f"deployments.{key}" if key in declared else None,
                    "delete the one that should not exist, or remove its `infermod:` tags",
                )
            )
    for dep in ours.unmanaged:
        out.append(
            Finding(
                "unmanaged-tagged",
                "warning",
                f"deployment `{dep.name}` ({dep.id}) in {dep.region} is unmanaged, tagged for this stack: it has "
                f"the tag {STACK_TAG}{config.stack} but no single {NAME_TAG} tag; infermod leaves it alone",
                None,
                None,
                None,
                f"adopt it with `{hints.command('import', 'deployment.KEY', dep.id)}` (KEY: its key under "
                "`deployments:`), or remove its `infermod:` tags",
            )
        )
    return out
