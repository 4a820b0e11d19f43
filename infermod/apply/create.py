"""Create a deployment once, even when another run (another machine) creates it at the same time.

Scaleway has neither a lock service nor idempotency keys, so the protocol is optimistic:
1. right before the create, re-read the stack's deployments by their ownership tags: if the
   key exists already, another run made it, and it is adopted instead of created again; if
   one of the stack's deployments is being deleted and this run did not ask for it, another
   run is destroying the stack, and nothing new is started;
2. create, tagged with this run's id;
3. re-read: if two copies exist, every run agrees on the winner (oldest `created_at`, then
   id). A loser deletes only the copy it created itself (never another run's work, which may
   still be in flight) and adopts the winner.
The run whose create came second always sees both copies at step 3, so one copy remains.
Only the two write calls (the create, a loser's delete) go through `write`, the caller's
write slot: the re-reads around them are not slot-limited, so `--parallelism` bounds concurrent
write calls and not the reads each create needs right before and after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Protocol, TypeVar

from infermod.apply.waits import Failed
from infermod.plan.records import Deployment
from infermod.scw.errors import describe
from infermod.scw.gateway import Gateway
from infermod.state import RUN_TAG, STACK_TAG, ActualDeployment, age

T = TypeVar("T")


class Write(Protocol):
    """Runs one write call, holding a write slot while it runs (WriteSlots.run)."""

    def __call__(self, call: Callable[[], T]) -> T: ...


class Created(NamedTuple):
    deployment: ActualDeployment  # the copy that remains (this run's, or the one adopted)
    ours: bool  # this run created it
    note: str | None = None  # what the report should say besides "created"


class ConcurrentDestroy(Exception):
    """Another run is deleting this stack's deployments: creating now would undo its work."""


def run_tag(run_id: str) -> str:
    return f"{RUN_TAG}{run_id}"


def create_once(
    gateway: Gateway,
    change: Any,
    stack: str,
    fields: Deployment,
    run_id: str,
    deleting: set[str],
    write: Write,
) -> Created:
    """`change` is the planned create (region, project_id, key); `fields` what to create;
    `deleting` the ids this run itself deletes; `write` runs a write call (in a write slot)."""
    region, project, key = change.region, change.project_id, change.key
    before = _stack(gateway, region, project, stack)
    _refuse_if_destroying(before, deleting, stack)
    existing = _copies(before, key, deleting)
    if existing:
        winner = existing[0]
        return Created(winner, False, f"another run created it first ({winner.id}): adopted, nothing created")
    tagged = fields._replace(tags=(*fields.tags, run_tag(run_id)))
    created = write(lambda: gateway.create_deployment(region, project, tagged))
    try:
        after = _copies(_stack(gateway, region, project, stack), key, deleting)
    except Exception as exc:  # it exists: the report names it even when nothing can be read
        raise Failed(
            f"created as {created.id}, then could not check for a copy made by another run: {describe(exc)}",
            created.id,
        ) from None
    if all(d.id != created.id for d in after):
        after = sorted([*after, created], key=age)
    winner = after[0]
    if winner.id == created.id:
        return Created(created, True)
    write(lambda: gateway.delete_deployment(region, created.id))
    return Created(
        winner,
        False,
        f"another run created it at the same time: kept the oldest copy {winner.id}, "
        f"deleted this run's copy {created.id}",
    )


def already_deleting(gateway: Gateway, plan: Any) -> set[str]:
    """The stack's deployments being deleted when the run starts, where it creates: a slow
    deletion from an earlier run is not a destroy running now (one list call per place)."""
    places = sorted(
        {
            where
            for c in plan.changes
            if c.type == "deployment" and "create" in c.actions
            for where in places_of(c)
        }
    )
    return {
        d.id
        for region, project in places
        for d in _stack(gateway, region, project, plan.stack)
        if d.status == "deleting"
    }


def _stack(gateway: Gateway, region: str, project: str, stack: str) -> list[ActualDeployment]:
    return [d for d in gateway.find_deployments(region, project, [f"{STACK_TAG}{stack}"]) if d.stack == stack]


def _copies(deps: list[ActualDeployment], key: str, deleting: set[str]) -> list[ActualDeployment]:
    """Live copies of `key`, oldest first; not the one a replacement is about to delete."""
    return sorted(
        (d for d in deps if d.key == key and d.status != "deleting" and d.id not in deleting), key=age
    )


def _refuse_if_destroying(deps: list[ActualDeployment], deleting: set[str], stack: str) -> None:
    """A deployment of the stack being deleted, not by this run and not a losing copy of a
    race (its key still has a live copy), means another run is destroying the stack."""
    live_keys = {d.key for d in deps if d.status != "deleting"}
    for dep in deps:
        if dep.status == "deleting" and dep.id not in deleting and dep.key not in live_keys:
            raise ConcurrentDestroy(
                f"another run is deleting this stack's deployment.{dep.key} ({dep.id}): nothing new was "
                f"created, so that its destroy is not undone; run `infermod plan` when it has finished"
            )


def places_of(change: Any) -> set[tuple[str, str]]:
    """Where a deployment change acts: the existing deployment's region and project, and the
    desired ones (a replacement may move it)."""
    after = change.after
    moved = {(after.region, after.project_id)} if isinstance(after, Deployment) else set()
    return {(change.region, change.project_id)} | moved
