"""Desired (Config) against actual (the stack's StackState): one ResourceChange per resource.

Deployments are matched by ownership tags (stack + key), never by name; models by their
stack-carrying name. What the stack does not own is never changed (two deployments carrying
one key are left as they are). This module only says what differs: a deployment whose fields
or endpoints differ is an update here; how the API can carry it out (in place, or replaced),
whether it is safe and what it does to users are the rules' to judge (infermod/planning.py).
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import NamedTuple

from infermod.catalog import Catalog
from infermod.config.model import Config, DeploymentSpec, ModelSpec
from infermod.plan.duplicates import DUPLICATE, losers
from infermod.plan.duplicates import reason as duplicate_reason
from infermod.plan.model import (
    CREATE,
    DELETE,
    NOOP,
    REPLACE,
    UPDATE,
    Cost,
    EndpointChange,
    FieldChange,
    ResourceChange,
)
from infermod.records import KNOWN_AFTER_APPLY, Deployment, Model, Value, compared_values
from infermod.state import ActualDeployment, ActualModel, StackState, model_key


def compare(
    config: Config,
    ours: StackState,
    catalog: Catalog,
    default_project: str,
    destroy: bool = False,
) -> list[ResourceChange]:
    """One change per resource, models first, each kind by address."""
    model_changes, models = _models(config, ours, default_project, destroy)
    changes: list[ResourceChange] = list(model_changes)
    by_key = ours.by_key
    # copies an interrupted run of the create protocol left: the oldest stays (plan/duplicates.py)
    settled = {key: doomed for key, deps in by_key.items() if (doomed := losers(deps))}
    by_key = {key: [d for d in deps if d not in settled.get(key, [])] for key, deps in by_key.items()}
    for key, doomed in sorted(settled.items()):
        winner = by_key[key][0]
        changes += [_delete(dep, duplicate_reason(dep, winner), DUPLICATE, catalog) for dep in doomed]
    # Two deployments carrying one key: which is the real one is not ours to guess, and
    # deleting either could destroy what someone else made. Both are left as they are
    # (rules/safety.py says so).
    conflicted = {key for key, deps in by_key.items() if len(deps) > 1}
    by_key = {key: deps for key, deps in by_key.items() if key not in conflicted}
    desired = [] if destroy else list(config.deployments)
    for spec in desired:
        project = spec.project_id or default_project
        if spec.key in conflicted:
            continue
        candidates = by_key.pop(spec.key, [])
        primary = candidates[0] if candidates else None
        adopted = _adoptable(spec, project, ours) if primary is None else None
        if adopted is not None:
            change = _compare(spec, project, adopted, catalog, models)
            why = f"adopt `{adopted.name}` ({adopted.id}), made outside infermod: apply adds the stack's tags"
            changes.append(change._replace(importing=adopted.id, reasons=(why, *change.reasons)))
        elif primary is None:
            changes.append(_create(spec, project, catalog, models))
        else:
            changes.append(_compare(spec, project, primary, catalog, models))
    for key, leftovers in sorted(by_key.items()):
        for dep in leftovers:
            reason = "destroy requested" if destroy else f"`{key}` is no longer in the configuration"
            changes.append(_delete(dep, reason, "delete_because_no_resource_config", catalog))
    return _order(changes)


def _adoptable(spec: DeploymentSpec, project: str, ours: StackState) -> ActualDeployment | None:
    """The deployment a key's `id:` names, when the stack may adopt it here: it exists, is where
    the configuration puts it, and carries no other stack's tags (nor another key's of this
    one). Whatever stands in the way is rules/adoption.py's to say."""
    dep = ours.adoptable_deployments.get(spec.id) if spec.id else None
    if dep is None or dep.status == "deleting":
        return None
    return dep if (dep.region, dep.project_id) == (spec.region, project) else None


# ---- models ---------------------------------------------------------------------------------
class ModelRef(NamedTuple):
    """A custom model as its deployments name it: its name, and its id (None: known after apply)."""

    name: str
    id: str | None


def _models(
    config: Config, ours: StackState, default_project: str, destroy: bool
) -> tuple[list[ResourceChange], dict[str, ModelRef]]:
    """Model changes, and each model key's name and id for deployments (None: known after apply).

    A model is the stack's when its name says so (infermod imported it) or when the
    configuration adopts it by `id` (custom models cannot be tagged or renamed, so the `id`
    line is the only record). The stack's own import comes first: an `id` naming a model that
    no longer exists (re-imported with --replace) is simply not needed any more."""
    owned = {(m.region, m.project_id, m.name): m for m in ours.models}
    by_id = ours.adoptable_models  # no stack's name claims them
    changes = []
    refs: dict[str, ModelRef] = {}
    for spec in config.models:
        project = spec.project_id or default_project
        own = owned.pop((spec.region, project, spec.name), None) if spec.repo_id else None
        adopted = by_id.get(spec.id) if spec.id else None
        if adopted is not None and (adopted.region, adopted.project_id) != (spec.region, project):
            adopted = None  # in another region or project: rules/adoption.py says so
        if adopted is not None:
            owned.pop((adopted.region, adopted.project_id, adopted.name), None)
        change = partial(_change, spec.address, "model", spec.key, spec.region, project)
        if destroy:
            changes += [
                change(
                    DELETE,
                    m,
                    None,
                    reason="delete_because_no_resource_config",
                    reasons=("destroy requested",),
                )
                for m in (own, adopted)
                if m is not None
            ]
            continue
        if own is not None and adopted is not None and own.id != adopted.id:
            # an interrupted --replace of an adopted model: its re-import stands, the old one goes
            why = f"replaced by the stack's own import `{own.name}` ({own.id}); remove `id: {adopted.id}`"
            changes.append(change(DELETE, adopted, None, reason="delete_because_replaced", reasons=(why,)))
        actual = own or adopted
        if actual is None and not spec.repo_id:
            continue  # an `id` that names no model, and no source to import one: rules/adoption.py
        name = actual.name if actual is not None and actual is adopted else spec.name
        after = _model_after(spec, project, name)
        if actual is None:
            changes.append(change(CREATE, None, after, reasons=("new custom model",)))
            refs[spec.key] = ModelRef(name, None)
        elif actual.status == "error" and spec.repo_id:  # without a source: rules/adoption.py
            reason = f"the import failed: {actual.error_message}"
            changes.append(change(REPLACE, actual, after, reason="replace_because_error", reasons=(reason,)))
            refs[spec.key] = ModelRef(name, None)
        else:
            changes.append(change(NOOP, actual, after))
            refs[spec.key] = ModelRef(name, actual.id)
    for (_, _, name), actual in sorted(owned.items()):
        reason = "destroy requested" if destroy else "no longer in the configuration, or its source changed"
        changes.append(
            _change(
                f"model.{model_key(name)}",
                "model",
                model_key(name),
                actual.region,
                actual.project_id,
                DELETE,
                actual,
                None,
                reason="delete_because_no_resource_config",
                reasons=(reason,),
            )
        )
    return changes, refs


def _model_after(spec: ModelSpec, project: str, name: str) -> Model:
    return Model(
        name=name,
        region=spec.region,
        project_id=project,
        source=spec.source_url if spec.repo_id else None,
        has_secret=spec.secret is not None,
        type=spec.type,
        api=spec.api,
    )


def _change(
    address: str,
    kind: str,
    key: str,
    region: str,
    project: str,
    actions: tuple[str, ...],
    actual: ActualModel | None,
    after: Model | None,
    *,
    reason: str | None = None,
    reasons: tuple[str, ...] = (),
) -> ResourceChange:
    before = (
        None
        if actual is None
        else Model(actual.name, actual.region, actual.project_id, id=actual.id, status=actual.status)
    )
    return ResourceChange(
        address,
        kind,
        key,
        region,
        project,
        actions,
        actual.id if actual else None,
        actual.status if actual else None,
        before,
        after,
        action_reason=reason,
        reasons=reasons,
    )


# ---- deployments ----------------------------------------------------------------------------
def desired_fields(spec: DeploymentSpec, project: str, model: str, model_id: str | None) -> Deployment:
    return Deployment(
        name=spec.name,
        model=model,
        model_id=model_id,
        node_type=spec.node_type,
        min_size=spec.min_size,
        max_size=spec.max_size,
        quantization=spec.quantization,
        region=spec.region,
        project_id=project,
        tags=tuple(sorted(spec.tags)),
        endpoints=spec.endpoints,
        accept_eula=spec.accept_eula,
    )


def actual_fields(dep: ActualDeployment) -> Deployment:
    return Deployment(
        id=dep.id,
        name=dep.name,
        model=dep.model_name,
        model_id=dep.model_id,
        node_type=dep.node_type,
        min_size=dep.min_size,
        max_size=dep.max_size,
        quantization=dep.quantization,
        region=dep.region,
        project_id=dep.project_id,
        tags=tuple(sorted(dep.user_tags)),
        endpoints=tuple(e.record for e in dep.endpoints),
        status=dep.status,
    )


def _after(spec: DeploymentSpec, project: str, models: dict[str, ModelRef], catalog: Catalog) -> Deployment:
    if spec.custom:
        name, model_id = models.get(spec.model, ModelRef(spec.model, None))
    else:
        info = catalog.models.get((spec.region, spec.model))
        name, model_id = spec.model, (info.id if info and info.id else None)
    return desired_fields(spec, project, name, model_id or KNOWN_AFTER_APPLY)


def _create(
    spec: DeploymentSpec, project: str, catalog: Catalog, models: dict[str, ModelRef]
) -> ResourceChange:
    after = _after(spec, project, models, catalog)
    return ResourceChange(
        spec.address,
        "deployment",
        spec.key,
        spec.region,
        project,
        CREATE,
        None,
        None,
        None,
        after,
        reasons=("new deployment",),
        depends_on=_deps(spec),
        cost=_cost(catalog, None, after),
    )


def _compare(
    spec: DeploymentSpec,
    project: str,
    actual: ActualDeployment,
    catalog: Catalog,
    models: dict[str, ModelRef],
) -> ResourceChange:
    after = _after(spec, project, models, catalog)
    before = actual_fields(actual)
    comparable_before = compared_values(before)
    comparable_after = compared_values(after)
    if comparable_after["quantization"] is None:  # not set: whatever the API chose is fine
        comparable_after["quantization"] = comparable_before["quantization"]
    changed = _changed_fields(comparable_before, comparable_after)
    fields = tuple(FieldChange(f, comparable_before[f], comparable_after[f]) for f in changed)
    endpoints = _endpoint_changes(spec, actual)
    return ResourceChange(
        spec.address,
        "deployment",
        spec.key,
        actual.region,
        actual.project_id,
        UPDATE if fields or endpoints else NOOP,
        actual.id,
        actual.status,
        before,
        after,
        fields,
        endpoints,
        depends_on=_deps(spec),
        cost=_cost(catalog, before, after),
    )


def _changed_fields(before: dict[str, Value], after: dict[str, Value]) -> list[str]:
    """The compared fields that differ. Most deployments are unchanged, and `==` on the
    records says so at once; DeepDiff (its import alone costs more than a large plan's
    comparisons) only explains the ones that differ."""
    if before == after:
        return []
    from deepdiff import DeepDiff

    return sorted(DeepDiff(before, after, ignore_order=True).affected_root_keys)


def _endpoint_changes(spec: DeploymentSpec, actual: ActualDeployment) -> tuple[EndpointChange, ...]:
    """Every actual endpoint is matched with a declared one or deleted, never dropped: the
    configuration declares one endpoint per network, but nothing recorded says the API keeps
    to one (docs/scaleway-api-assumptions.md B19), and a second public endpoint without
    authentication, added by hand, must show in the plan. A declared endpoint takes the one of
    its network with the same access if there is one (no change), else the first."""
    left = list(actual.endpoints)
    out = []
    for want in spec.endpoints:
        mine = [e for e in left if e.network == want.network]
        current = next((e for e in mine if e.disable_auth == want.disable_auth), mine[0] if mine else None)
        if current is None:
            out.append(EndpointChange("create", want.network, None, None, want))
            continue
        left.remove(current)
        if current.disable_auth != want.disable_auth:
            before = current.record._replace(url=None)  # the change is about access, not the URL
            out.append(EndpointChange("update", want.network, current.id, before, want))
    for current in left:
        out.append(
            EndpointChange("delete", current.network, current.id, current.record._replace(url=None), None)
        )
    return tuple(out)


def _delete(dep: ActualDeployment, reason: str, action_reason: str, catalog: Catalog) -> ResourceChange:
    before = actual_fields(dep)
    return ResourceChange(
        f"deployment.{dep.key}",
        "deployment",
        dep.key or "",
        dep.region,
        dep.project_id,
        DELETE,
        dep.id,
        dep.status,
        before,
        None,
        action_reason=action_reason,
        reasons=(reason,),
        cost=_cost(catalog, before, None),
    )


def _deps(spec: DeploymentSpec) -> tuple[str, ...]:
    return (f"model.{spec.model}",) if spec.custom else ()


def _cost(catalog: Catalog, before: Deployment | None, after: Deployment | None) -> Cost | None:
    def hourly(fields: Deployment | None) -> float | None:
        if fields is None:
            return 0.0
        price = catalog.prices.get((fields.region, fields.node_type))
        return None if price is None else round(price * fields.min_size, 4)

    b, a = hourly(before), hourly(after)
    if (before is not None and b is None) or (after is not None and a is None):
        return None
    return _shared_cost(catalog.currency, b, a)


@lru_cache(maxsize=256, typed=True)
def _shared_cost(currency: str, before: float | None, after: float | None) -> Cost:
    """One Cost for every change alike (node type and size): a plan keeps one per deployment."""
    return Cost(currency, before, after)


def _order(changes: list[ResourceChange]) -> list[ResourceChange]:
    rank = {"model": 0, "deployment": 1}
    return sorted(changes, key=lambda c: (rank[c.type], c.address, c.actions == DELETE))
