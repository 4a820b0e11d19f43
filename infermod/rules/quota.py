"""Will the plan fit the organization's node quota? Checked before any write.

Quotas are per organization and counted in nodes per node-type family (infermod/quota.py).
The limits are those you set (`INFERMOD_NODE_QUOTA=H100=8,L4=10`), else Scaleway's documented
defaults: exceeding a limit you set is an error; exceeding a documented default only a
warning, since your organization's quota may have been raised (the API does not say which
IAM quota covers inference nodes; see docs/scaleway-api-assumptions.md, A8).

The count is the plan's peak: apply creates before it deletes (standalone deletions come
last, and create-before-destroy replacements create first), so every deployment that exists
now counts until the end, and a replacement counts both its old and new nodes when they
overlap.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from infermod.config.model import Config
from infermod.findings import Finding
from infermod.plan.model import DELETE, REPLACE_CBD, ResourceChange
from infermod.quota import DOCUMENTED_DEFAULTS, parse_node_quota, quota_key
from infermod.records import Deployment
from infermod.state import ActualDeployment, ActualState

ENV = "INFERMOD_NODE_QUOTA"


class Quota(NamedTuple):
    limits: dict[str, int]
    configured: bool  # set by the user (error when exceeded) or documented defaults (warning)


class NodeChange(NamedTuple):
    """One deployment's nodes before and after the plan (0 when absent)."""

    key: str | None  # the configuration's deployment key, for the finding's location
    before_type: str
    before: int
    after_type: str
    after: int
    overlap: bool = False  # old and new exist together (create-before-destroy replacement)


def quota_from_env(environ: Mapping[str, str] | None = None) -> Quota | None:
    """The limits to check, or None when the text is unreadable (the caller reports it)."""
    text = (os.environ if environ is None else environ).get(ENV)
    if not text:
        return Quota(dict(DOCUMENTED_DEFAULTS), False)
    try:
        return Quota(parse_node_quota(text), True)
    except ValueError:
        return None


def peak_nodes(changes: Iterable[NodeChange], limits: Mapping[str, int]) -> dict[str, int]:
    peak: dict[str, int] = {}
    families: dict[str, str | None] = {}  # per node type: a plan has thousands of deployments, few types

    def family_of(node_type: str) -> str | None:
        if node_type not in families:
            families[node_type] = quota_key(node_type, limits)
        return families[node_type]

    for c in changes:
        before_family, after_family = family_of(c.before_type), family_of(c.after_type)
        for family in {before_family, after_family} - {None}:
            assert family is not None
            before = c.before if before_family == family else 0
            after = c.after if after_family == family else 0
            peak[family] = peak.get(family, 0) + (before + after if c.overlap else max(before, after))
    return peak


def quota_findings(config: Config, quota: Quota, changes: list[NodeChange], scope: str) -> list[Finding]:
    """`scope` says which deployments were counted (the organization, or only the projects read)."""
    out = []
    peak = peak_nodes(changes, quota.limits)
    for family, nodes in sorted(peak.items()):
        limit = quota.limits[family]
        if nodes <= limit:
            continue
        growing = [
            c.key
            for c in changes
            if c.key and quota_key(c.after_type, quota.limits) == family and c.after > 0
        ]
        key = growing[0] if growing else None
        path = _size_field(config, key) if key else None
        source = f"your {ENV}" if quota.configured else "Scaleway's documented default"
        out.append(
            Finding(
                "quota-exceeded",
                "error" if quota.configured else "warning",
                f"the plan needs {nodes} {family}-class nodes at its peak, over the organization's quota of "
                f"{limit} ({source}; counting {scope})",
                f"deployment.{key}" if key else None,
                config.where(path) if path else None,
                path,
                "ask Scaleway for a higher quota (console: Organization > Quotas), set "
                f"{ENV}=TYPE=N,... if yours is already higher, or plan fewer nodes",
            )
        )
    return out


def _size_field(config: Config, key: str) -> str:
    """Where the deployment's node count is written: `size`, else `min_size`."""
    for field in ("size", "min_size"):
        if f"deployments.{key}.{field}" in config.locations:
            return f"deployments.{key}.{field}"
    return f"deployments.{key}"


def plan_quota_findings(
    config: Config,
    state: ActualState,
    changes: Sequence[ResourceChange],
    sandbox: bool,
    environ: Mapping[str, str] | None = None,
) -> list[Finding]:
    """The quota check of a plan: every deployment of the organization that was read, as the
    plan leaves it (see the module's docstring for the peak)."""
    env = os.environ if environ is None else environ
    if sandbox and not env.get(ENV):
        return []  # the sandbox's emulator has its own, large quota
    quota = quota_from_env(env)
    if quota is None:
        return [
            Finding(
                "quota-setting",
                "error",
                f"{ENV}={env.get(ENV)!r} is not TYPE=N[,TYPE=N...], e.g. H100=8,L4=10",
            )
        ]
    counted = [*state.deployments, *(state.organization or ())]
    scope = (
        "the organization's deployments"
        if state.organization is not None
        else "the projects read only; set SCW_DEFAULT_ORGANIZATION_ID to count the whole organization"
    )
    return quota_findings(config, quota, node_changes(counted, changes), scope)


def node_changes(counted: Iterable[ActualDeployment], changes: Sequence[ResourceChange]) -> list[NodeChange]:
    """Each deployment's nodes before and after the plan; deployments the plan does not
    touch keep theirs, one being deleted by Scaleway already counts for nothing."""
    by_id = {c.resource_id: c for c in changes if c.type == "deployment" and c.resource_id}
    ids = {d.id for d in counted}
    out = [
        NodeChange(None, d.node_type, d.min_size, d.node_type, d.min_size)
        for d in counted
        if d.id not in by_id and d.status != "deleting"
    ]
    for c in changes:
        if c.type != "deployment" or (c.resource_id and c.resource_id not in ids):
            continue
        before = c.before if isinstance(c.before, Deployment) else None
        # deletions come last: the nodes are held until then
        after = before if c.actions == DELETE else c.after if isinstance(c.after, Deployment) else None
        either = after or before
        if either is None:
            continue
        out.append(
            NodeChange(
                c.key,
                (before or either).node_type,
                before.min_size if before else 0,
                (after or either).node_type,
                after.min_size if after else 0,
                overlap=c.actions == REPLACE_CBD,
            )
        )
    return out
