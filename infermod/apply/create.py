"""Create a deployment once, even when another run (another machine) creates it at the same time.

Scaleway has neither a lock service nor idempotency keys, so the protocol is optimistic:
1. right before the create, look at the stack's deployments where it goes (`StackReads`: one
   read of the whole stack serves every create of the batch that starts within a couple of
   seconds, not one read per create): if the key exists already, another run made it, and it
   is adopted instead of created again; if one of the stack's deployments is being deleted
   and this run did not ask for it, another run is destroying the stack, and nothing new is
   started;
2. create, tagged with this run's id;
3. re-read the copies of this one key (the deployments carrying the stack's and the key's
   tags: one page, whatever the size of the stack) until the list shows this run's own copy
   (lists may lag behind creates; bounded by `VISIBLE_WITHIN`), then decide: if two copies
   exist, every run agrees on the winner (oldest `created_at`, then id). A loser deletes only
   the copy it created itself (never another run's work, which may still be in flight) and
   adopts the winner. Every copy carrying this run's tag is this run's (a create whose answer
   was lost, sent again after the gateway's bounded look-up gave up): it keeps one and deletes
   the others, and the one kept is reported created, never "another run's".
The run whose create came second sees both copies at step 3 once its own is listed (a list
that shows a later copy shows the earlier one too), so one copy remains, lagging lists or not.
Only the two write calls (the create, a loser's delete) go through `write`, the caller's
write slot: the re-reads around them are not slot-limited, so `--parallelism` bounds concurrent
write calls and not the reads each create needs right before and after it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, NamedTuple, Protocol, TypeVar

from infermod import hints
from infermod.apply.waits import Failed
from infermod.records import Deployment
from infermod.scw import deadline
from infermod.scw.errors import describe
from infermod.scw.gateway import LIST_LAG, Gateway
from infermod.state import NAME_TAG, RUN_TAG, STACK_TAG, ActualDeployment, age

T = TypeVar("T")
Place = tuple[str, str]  # (region, project)

# How long a create waits for the list to show its own copy before deciding anyway. Lists
# that lag behind creates by seconds are common in eventually consistent APIs; Scaleway's
# recordings show no lag, and nothing says they cannot (docs/scaleway-api-assumptions.md).
# The gateway looks up a create whose answer was lost for as long, before creating again.
VISIBLE_WITHIN = LIST_LAG
FIRST_RETRY = 0.25  # then doubling, at most MAX_RETRY apart
MAX_RETRY = 4.0
# A read of the stack serves every create that starts within this many seconds of it.
FRESH = 2.0


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


class _Read:
    def __init__(self, started: float) -> None:
        self.started = started
        self.done = threading.Event()
        self.result: list[ActualDeployment] = []
        self.error: BaseException | None = None


class StackReads:
    """The stack's deployments in one (region, project), read once for a batch of creates:
    a caller gets the read in flight, or one that started less than `fresh` seconds ago, and
    starts a new one otherwise. So a concurrent destroy is noticed within seconds, for the
    price of one list per batch instead of one per create."""

    def __init__(
        self,
        gateway: Gateway,
        stack: str,
        fresh: float = FRESH,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.gateway = gateway
        self.stack = stack
        self.fresh = fresh
        self.clock = clock
        self.lock = threading.Lock()
        self.reads: dict[Place, _Read] = {}
        self.count = 0  # lists made (each one paged call), for tests and benchmarks

    def get(self, region: str, project: str) -> list[ActualDeployment]:
        place = (region, project)
        with self.lock:
            read = self.reads.get(place)
            now = self.clock()
            stale = (
                read is None
                or read.error is not None
                or (read.done.is_set() and now - read.started > self.fresh)
            )
            if stale:
                read = self.reads[place] = _Read(now)
                self.count += 1
        assert read is not None
        if stale:
            try:
                read.result = _stack(self.gateway, region, project, self.stack)
            except BaseException as exc:
                read.error = exc
            finally:
                read.done.set()
        read.done.wait()
        if read.error is not None:
            raise read.error
        return read.result


def create_once(
    gateway: Gateway,
    change: Any,
    stack: str,
    fields: Deployment,
    run_id: str,
    deleting: set[str],
    write: Write,
    reads: StackReads | None = None,
    pause: Callable[[float], object] = time.sleep,
) -> Created:
    """`change` is the planned create (region, project_id, key); `fields` what to create;
    `deleting` the ids this run itself deletes; `write` runs a write call (in a write slot);
    `reads` the run's shared reads of the stack; `pause(seconds)` waits between re-reads
    (the executor's stops at Ctrl-C)."""
    region, project, key = change.region, change.project_id, change.key
    before = (reads or StackReads(gateway, stack)).get(region, project)
    _refuse_if_destroying(before, deleting, stack)
    existing = _copies(before, key, deleting)
    if existing:
        winner = existing[0]
        return Created(winner, False, f"another run created it first ({winner.id}): adopted, nothing created")
    tagged = fields._replace(tags=(*fields.tags, run_tag(run_id)))
    created = write(lambda: gateway.create_deployment(region, project, tagged))
    try:
        after = _copies(_until_listed(gateway, region, project, stack, key, created.id, pause), key, deleting)
    except Exception as exc:  # it exists: the report names it even when nothing can be read
        raise Failed(
            f"created as {created.id}, then could not check for a copy made by another run: {describe(exc)}",
            created.id,
        ) from None
    if all(d.id != created.id for d in after):
        after = sorted([*after, created], key=age)
    winner = after[0]
    # every copy carrying this run's tag is this run's: the one the create answered, and any a
    # create whose answer was lost made before it was created again
    mine = [d for d in after if d.id == created.id or run_tag(run_id) in d.tags]
    extra = [d for d in mine if d.id != winner.id]
    for copy in extra:
        write(partial(gateway.delete_deployment, region, copy.id))
    listed = ", ".join(d.id for d in extra)
    if winner in mine:
        if not extra:
            return Created(winner, True)
        return Created(
            winner,
            True,
            f"a create whose answer was lost had made it already: kept {winner.id}, deleted this run's "
            f"second copy {listed}",
        )
    return Created(
        winner,
        False,
        f"another run created it at the same time: kept the oldest copy {winner.id}, "
        f"deleted this run's copy {listed}",
    )


def _until_listed(
    gateway: Gateway,
    region: str,
    project: str,
    stack: str,
    key: str,
    created_id: str,
    pause: Callable[[float], object],
) -> list[ActualDeployment]:
    """The key's copies, re-read until the list shows `created_id` (bounded by VISIBLE_WITHIN
    and the run's deadline): a copy another run made before this one is listed by then too."""
    end = time.monotonic() + deadline.cap(VISIBLE_WITHIN)
    delay = FIRST_RETRY
    while True:
        found = copies_of(gateway, region, project, stack, key)
        left = end - time.monotonic()
        if any(d.id == created_id for d in found) or left <= 0:
            return found
        if pause(min(delay, left)):  # stopped (Ctrl-C): decide with what is listed
            return found
        delay = min(delay * 2, MAX_RETRY)


def copies_of(gateway: Gateway, region: str, project: str, stack: str, key: str) -> list[ActualDeployment]:
    """The deployments carrying the stack's and the key's tags (one page)."""
    found = gateway.find_deployments(region, project, [f"{STACK_TAG}{stack}", f"{NAME_TAG}{key}"])
    return [d for d in found if d.stack == stack and d.key == key]


def already_deleting(reads: StackReads, plan: Any) -> set[str]:
    """The stack's deployments being deleted when the run starts, where it creates: a slow
    deletion from an earlier run is not a destroy running now (one list call per place, which
    also serves the first creates there). One the plan saw live is: its deletion started after
    the plan read the stack, and creating now would leave neither run's intent."""
    seen_live = {
        c.resource_id
        for c in plan.changes
        if c.type == "deployment" and c.resource_id and c.status != "deleting"
    }
    return {
        d.id
        for region, project in create_places(plan)
        for d in reads.get(region, project)
        if d.status == "deleting" and d.id not in seen_live
    }


def create_places(plan: Any) -> list[Place]:
    return sorted(
        {
            where
            for c in plan.changes
            if c.type == "deployment" and "create" in c.actions
            for where in places_of(c)
        }
    )


def _stack(gateway: Gateway, region: str, project: str, stack: str) -> list[ActualDeployment]:
    return [d for d in gateway.find_deployments(region, project, [f"{STACK_TAG}{stack}"]) if d.stack == stack]


def _copies(deps: Iterable[ActualDeployment], key: str, deleting: set[str]) -> list[ActualDeployment]:
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
                f"created, so that its destroy is not undone; run `{hints.command('plan')}` when it has finished"
            )


def places_of(change: Any) -> set[tuple[str, str]]:
    """Where a deployment change acts: the existing deployment's region and project, and the
    desired ones (a replacement may move it)."""
    after = change.after
    moved = {(after.region, after.project_id)} if isinstance(after, Deployment) else set()
    return {(change.region, change.project_id)} | moved
