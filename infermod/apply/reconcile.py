"""Honest outcomes: before reporting, re-read what the run touched and say what exists.

During an outage a create may be carried out while its answer is lost, a wait may end at the
time limit, or another run may delete what this one made. The report must describe Scaleway,
not this run's guesses: the stack's deployments are read again by their ownership tags (one
list call per region and project) and every deployment outcome is corrected from what is
there: created, still creating, failed with Scaleway's error message, destroyed, or as it was.
A deployment the plan keeps unchanged that another run deleted or changed meanwhile is
reported too ("changed meanwhile"), and so is a deployment of the stack under a key the plan
never mentions ("appeared meanwhile"): the run then fails, never "Apply complete!" over it.
"""

from __future__ import annotations

from infermod import hints
from infermod.apply.outcome import Outcome
from infermod.plan.model import NOOP, Plan, ResourceChange
from infermod.records import Deployment
from infermod.scw import deadline
from infermod.scw.errors import describe
from infermod.scw.gateway import Gateway
from infermod.state import STACK_TAG, ActualDeployment, age

# The work ends RESERVE before --timeout (at most a tenth of it): the re-read that tells what
# exists runs inside the deadline, with GRACE after it at most, so the whole command ends
# within --timeout + 2 s even when the API does not answer.
RESERVE = 3.0
GRACE = 1.5
SETTLING = {"creating", "deploying", "scaling", "locked"}


def reconcile(gateway: Gateway, plan: Plan, outcomes: list[Outcome]) -> tuple[list[Outcome], str | None]:
    """The outcomes as Scaleway now shows them, and a note when it could not be read."""
    kept = [
        c
        for c in plan.changes
        if c.type == "deployment" and c.actions == NOOP and c.resource_id and c.importing is None
    ]
    kept_models = [c for c in plan.changes if c.type == "model" and c.actions == NOOP and c.resource_id]
    if not kept and not kept_models and not any(o.type == "deployment" for o in outcomes):
        return outcomes, None
    from infermod.apply.create import places_of

    pairs = sorted({where for c in plan.changes if c.type == "deployment" for where in places_of(c)})
    try:
        with deadline.grace(GRACE):
            found = [
                d
                for region, project in pairs
                for d in gateway.find_deployments(region, project, [f"{STACK_TAG}{plan.stack}"])
                if d.stack == plan.stack and d.key is not None
            ]
            gone = [c for c in kept_models if gateway.get_model(c.region, c.resource_id or "") is None]
    except Exception as exc:
        unread = [_unread(o) if o.type == "deployment" else o for o in outcomes]
        return unread, f"could not re-read the deployments to check this report ({describe(exc)})"
    by_key: dict[str, list[ActualDeployment]] = {}
    for dep in sorted(found, key=age):
        by_key.setdefault(dep.key or "", []).append(dep)
    planned = {c.address: c.resource_id for c in plan.changes}
    honest = [
        _honest(o, by_key.get(o.address.split(".", 1)[1], []), planned.get(o.address))
        if o.type == "deployment"
        else o
        for o in outcomes
    ]
    by_id = {d.id: d for d in found}
    for c in kept:
        meanwhile = _kept(c, by_id.get(c.resource_id or ""))
        if meanwhile is not None:
            honest.append(meanwhile)
    honest += [
        Outcome(
            c.address,
            c.type,
            c.actions,
            "changed meanwhile",
            "planned to stay unchanged, it no longer exists: another run deleted it during this one; "
            "run `infermod plan`",
            c.resource_id,
        )
        for c in gone
    ]
    # a key the plan never mentions that has a live deployment now: another run made it meanwhile
    # (a --target plan leaves keys out on purpose)
    mentioned = {c.key for c in plan.changes if c.type == "deployment"}
    for dep in [] if plan.targets else sorted(found, key=age):
        if dep.key not in mentioned and dep.status != "deleting":
            honest.append(
                Outcome(
                    f"deployment.{dep.key}",
                    "deployment",
                    NOOP,
                    "appeared meanwhile",
                    f"not in this plan: another run created it during this one ({dep.status}); "
                    "run `infermod plan`",
                    dep.id,
                )
            )
    return honest, None


def _kept(c: ResourceChange, current: ActualDeployment | None) -> Outcome | None:
    """A deployment the plan keeps as it is: None when it still is; else what another run did."""
    from infermod.plan.diff import actual_fields

    said = "planned to stay unchanged, {}: another run changed it during this one; run `infermod plan`"
    if current is None:
        message = said.format("it no longer exists")
    elif current.status == "deleting":
        message = said.format("it is being deleted")
    else:
        was, now = c.before, actual_fields(current)
        if not isinstance(was, Deployment):
            return None
        fields = [
            name
            for name in Deployment._fields
            if name not in ("status", "id") and getattr(was, name) != getattr(now, name)
        ]
        if not fields:
            return None
        message = said.format(f"its {', '.join(fields)} changed")
    return Outcome(c.address, c.type, c.actions, "changed meanwhile", message, c.resource_id)


def _honest(o: Outcome, copies: list[ActualDeployment], before_id: str | None) -> Outcome:
    if o.actions == ("delete",):
        return _deleted(o, copies)
    if len(o.actions) == 2 and before_id:
        return _replaced(o, copies, before_id or "")
    if "create" in o.actions:
        # a replacement's old copy (before_id) is not the new one
        live = [d for d in copies if d.status != "deleting" and d.id != before_id]
        mine = next((d for d in live if d.id == o.resource_id), None) or (live[0] if live else None)
        if mine is None:  # only this run's copy is left, and it is being deleted
            mine = next((d for d in copies if d.id == o.resource_id and d.id != before_id), None)
        if mine is None:
            if o.ok:
                return o._replace(result="failed", message="it no longer exists (another run deleted it?)")
            return o
        return _created(o, mine)
    current = next((d for d in copies if d.id == o.resource_id), None)
    if current is None and o.ok:
        return o._replace(result="failed", message="it no longer exists (another run deleted it?)")
    if current is not None and current.status == "error":
        return o._replace(result="failed", message=_error(current))
    return o


def _replaced(o: Outcome, copies: list[ActualDeployment], old_id: str) -> Outcome:
    """A replacement says both halves: what became of the new copy, and of the old one."""
    old = next((d for d in copies if d.id == old_id), None)
    new = _honest(o._replace(actions=("create",)), [d for d in copies if d.id != old_id], None)
    new = new._replace(actions=o.actions)
    if old is None:
        if new.result in ("created", "replaced"):
            return new._replace(result="replaced", destroyed=old_id)
        half = f"the old deployment {old_id} was destroyed; " + (
            f"the new one is {new.resource_id}" if new.resource_id else "the new one was not created"
        )
        return new._replace(destroyed=old_id, message=_join(new.message, half))
    if old.status == "deleting":
        half = f"the old deployment {old_id} is being deleted; it goes on in Scaleway"
        if new.result in ("created", "replaced"):
            return new._replace(result="replaced", message=_join(o.message if o.ok else None, half))
        if new.resource_id is None:
            half += "; the new one was not created"
        return new._replace(message=_join(new.message, half))
    half = f"the old deployment {old_id} was not destroyed ({old.status})"
    if new.result in ("created", "replaced"):  # both copies exist now
        half = f"the new one, {new.resource_id}, is ready; {half}"
        return new._replace(result="failed" if o.ok else o.result, message=_join(o.message, half))
    return new._replace(message=_join(new.message, half))


def _join(first: str | None, then: str) -> str:
    return f"{first}; {then}" if first else then


def reserve(timeout: float | None) -> float:
    return min(RESERVE, timeout / 10) if timeout else 0.0


def _unread(o: Outcome) -> Outcome:
    """Not re-read: a create that failed without an id may still have been carried out (its
    answer lost in an outage), so it is not said to have failed for sure."""
    if "create" in o.actions and not o.ok and o.resource_id is None and not _refused(o.message):
        return o._replace(
            result="unknown",
            message=f"{o.message}; its create may have been carried out and could not be read again: "
            "run `infermod plan` to see",
        )
    return o


def _refused(message: str | None) -> bool:
    """A 4xx answer: Scaleway refused the create, nothing was made."""
    return message is not None and message[:3].isdigit() and message[0] == "4"


def _created(o: Outcome, dep: ActualDeployment) -> Outcome:
    done = "replaced" if len(o.actions) > 1 else ("adopted" if o.result == "adopted" else "created")
    if dep.status == "deleting":
        return o._replace(
            result="failed",
            resource_id=dep.id,
            message="it exists but is being deleted (another run is destroying the stack?)",
        )
    if dep.status == "ready":
        seen = f"; this run saw: {o.message}" if o.message else ""
        message = o.message if o.ok else f"it exists and is ready{seen}"
        return o._replace(result=done, resource_id=dep.id, message=message)
    if dep.status == "error":
        return o._replace(result="failed", resource_id=dep.id, message=_error(dep))
    if dep.status in SETTLING:
        return o._replace(
            result="still creating",
            resource_id=dep.id,
            message=_limit_message(o)
            or f"{dep.status}; it goes on in Scaleway: run `{hints.command('plan')}` later",
        )
    return o._replace(resource_id=dep.id)


def _deleted(o: Outcome, copies: list[ActualDeployment]) -> Outcome:
    current = next((d for d in copies if d.id == o.resource_id), None)
    if current is None:
        return o._replace(result="destroyed", message=None if o.ok else "it is gone")
    if current.status == "deleting":
        return o._replace(
            result="still deleting", message=_limit_message(o) or "deleting; it goes on in Scaleway"
        )
    if o.ok:
        return o._replace(result="failed", message=f"it still exists ({current.status})")
    return o


def _limit_message(o: Outcome) -> str | None:
    """This run's account when the operation's own limit ended its wait: it names the limit
    and the setting that raises it, which a bare "still creating" would drop."""
    if o.ok or not o.message or " limit of " not in o.message:
        return None
    return o.message.split(", then: ", 1)[-1]


def _error(dep: ActualDeployment) -> str:
    return f"in error: {dep.error_message or 'no message from the API'}"
