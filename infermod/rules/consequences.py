"""What each change does to the people using a deployment, stated in the plan itself.

Reviewers approve what the plan says: a new endpoint URL, a stretch without service, an
endpoint that stops asking for authentication must be said where they happen, in every
view, and so must the other choice the user has (in place or create-before-destroy).
"""

from __future__ import annotations

from infermod.plan.model import (
    DELETE,
    NOOP,
    REPLACE,
    REPLACE_CBD,
    UPDATE,
    Consequence,
    EndpointChange,
    ResourceChange,
)
from infermod.records import Deployment, Endpoint, Payload, network_label
from infermod.rules.updates import REDEPLOY_TIME, RELABEL_TIME

# what an in-place change of a field redeploys, in the words of the plan
_REDEPLOYS = {
    "model": "model change",
    "quantization": "quantization change",
    "min_size": "node count change",
    "max_size": "node count change",
}
# a rename or tag change redeploys briefly too (recorded after a rename: ~2 min `deploying`)
_RELABELS = {"name": "rename", "tags": "tag change"}
CBD = "lifecycle.create_before_destroy"


def with_consequences(change: ResourceChange) -> ResourceChange:
    """The change with what it does to the deployment's users, and the other option if any."""
    if change.type == "deployment" and change.actions == NOOP and change.importing is not None:
        return change._replace(consequences=(_adopting(),))
    if change.type != "deployment" or change.actions not in (UPDATE, REPLACE, REPLACE_CBD, DELETE):
        return change
    if change.actions == DELETE:
        said = [_removed(change.before)]
    elif change.actions == UPDATE:
        said = _update(change)
    else:
        said = _replace(change)
    kept = {e.network for e in change.after.endpoints} if isinstance(change.after, Deployment) else set()
    said += [q for e in change.endpoint_changes if (q := _endpoint(e, kept)) is not None]
    if change.importing is not None and not any(q.kind in ("downtime", "brief-deploying") for q in said):
        said = [_adopting(), *[q for q in said if q.kind != "no-downtime"]]
    return change._replace(consequences=tuple(said), alternative=_alternative(change))


def _adopting() -> Consequence:
    """Adopting a deployment adds infermod's tags to it: a tag change (~2 min `deploying`)."""
    return Consequence(
        "brief-deploying",
        "warning",
        f"{RELABEL_TIME} `deploying` (adopting it adds infermod's ownership tags): it may not serve meanwhile; "
        "same URL",
    )


def _urls(p: Payload | None) -> str:
    urls = [e.url for e in p.endpoints if e.url] if isinstance(p, Deployment) else []
    return ", ".join(urls)


def _removed(before: Payload | None) -> Consequence:
    urls = _urls(before)
    return Consequence(
        "service-removed",
        "warning",
        "the deployment is deleted: "
        + (f"{urls} stop(s) answering" if urls else "its endpoints stop answering"),
    )


def _update(change: ResourceChange) -> list[Consequence]:
    redeploys = sorted(
        {_REDEPLOYS.get(f.field, f"{f.field} change") for f in change.field_changes if f.downtime}
    )
    out = []
    if redeploys:
        out.append(
            Consequence(
                "downtime", "warning", f"{REDEPLOY_TIME} without service (in-place {', '.join(redeploys)})"
            )
        )
    relabelled = sorted({_RELABELS[f.field] for f in change.field_changes if f.field in _RELABELS})
    renamed = bool(relabelled) and not redeploys  # a redeploy already says how long
    if renamed:
        out.append(
            Consequence(
                "brief-deploying",
                "warning",
                f"{RELABEL_TIME} `deploying` (in-place {' and '.join(relabelled)}): it may not serve meanwhile; "
                "same URL",
            )
        )
    if not redeploys and not renamed and not any(e.action == "delete" for e in change.endpoint_changes):
        out.append(Consequence("no-downtime", "info", "no downtime, same URL"))
    return out


def _replace(change: ResourceChange) -> list[Consequence]:
    urls = _urls(change.before)
    moved = f": clients of {urls} must move to the new URL" if urls else ""
    out = [Consequence("url-change", "warning", f"endpoint URL changes (new deployment id){moved}")]
    if change.action_reason == "replace_because_error":
        # it serves nothing already: claiming downtime (or no downtime) would be false either way
        billed = "; both are billed until the old one is deleted" if change.actions == REPLACE_CBD else ""
        out.append(
            Consequence(
                "not-serving",
                "warning",
                "not serving now (status `error`): it is replaced by a new deployment, which serves once "
                f"ready{billed}",
            )
        )
    elif change.actions == REPLACE_CBD:
        out.append(
            Consequence(
                "no-downtime",
                "info",
                "no downtime (create before destroy): the new deployment is ready before the old one is "
                "deleted; both are billed meanwhile",
            )
        )
    else:
        out.append(
            Consequence(
                "downtime",
                "warning",
                f"{REDEPLOY_TIME} without service: the old deployment is deleted before the new one is ready",
            )
        )
    return out


def _endpoint(e: EndpointChange, kept: set[str]) -> Consequence | None:
    label = network_label(e.network)
    if e.action == "delete" and e.network in kept and e.before is not None:
        # a second endpoint on a network the configuration keeps one on (made outside infermod)
        access = "without authentication" if e.before.disable_auth else "with authentication"
        return Consequence(
            "endpoint-removed",
            "warning",
            f"a second {label} ({e.endpoint_id}, {access}), not in the configuration, removed: "
            "the configuration declares one endpoint per network",
        )
    if e.action == "delete":
        where = f" {e.before.url}" if e.before and e.before.url else ""
        return Consequence("endpoint-removed", "warning", f"{label} removed: its URL{where} stops answering")
    if e.action == "create":
        return Consequence("endpoint-added", "info", f"{label} added (its URL is known after apply)")
    return _auth(label, e.before, e.after)


def _auth(label: str, before: Endpoint | None, after: Endpoint | None) -> Consequence | None:
    if before is None or after is None or before.disable_auth == after.disable_auth:
        return None
    if after.disable_auth:
        exposed = "anyone who can reach it" if after.public else "anyone on that private network"
        return Consequence(
            "auth-disabled",
            "warning",
            f"authentication turned OFF on the {label}: {exposed} can call the model",
        )
    return Consequence(
        "auth-enabled",
        "warning",
        f"authentication turned on for the {label}: its clients now need an IAM API key",
    )


def _alternative(change: ResourceChange) -> str | None:
    """Where the user can choose, the other option and its cost, in one line."""
    if change.actions == UPDATE and any(f.downtime for f in change.field_changes):
        return f"or set {CBD}: no downtime, but a new endpoint URL (new deployment id)"
    if change.action_reason == "replace_for_zero_downtime":
        return f"or drop {CBD}: updated in place, same URL, but {REDEPLOY_TIME} without service"
    if change.actions == REPLACE and change.action_reason != "replace_because_error":
        # an errored deployment serves nothing: creating before destroying would save no downtime
        return f"or set {CBD}: no downtime (the new deployment is ready before the old one is deleted); the URL changes either way"
    return None
