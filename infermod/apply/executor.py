"""Carry out exactly the actions a plan records, in dependency order, in parallel.

Order: custom models are imported (and waited for) before the deployments that use them;
create_before_destroy replacements create, wait until ready, then delete; endpoint changes
go through the endpoint calls (new endpoints first, so a deployment never has none);
deletions of deployments come last, and models are deleted only after them.
A failed resource never stops independent ones; Ctrl-C stops starting new work.
`--parallelism` bounds concurrent write calls (slots.py); waiting for a deployment to settle
holds no slot: one poller per region watches every waiting deployment (waits.py, poller.py).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from functools import partial
from typing import Any

from infermod.apply.create import ConcurrentDestroy, StackReads, already_deleting, create_once, run_tag
from infermod.apply.outcome import Outcome
from infermod.apply.poller import Schedule
from infermod.apply.progress import Progress
from infermod.apply.reconcile import reconcile, reserve
from infermod.apply.slots import WriteSlots
from infermod.apply.waits import Clock, Failed, Interrupted, Waits
from infermod.config.model import Config
from infermod.limits import Timeouts, deployment_limit, model_limit
from infermod.plan.model import (
    DELETE,
    NOOP,
    REPLACE,
    REPLACE_CBD,
    UPDATE,
    EndpointChange,
    Plan,
    ResourceChange,
)
from infermod.records import KNOWN_AFTER_APPLY, Deployment
from infermod.rules.updates import TRANSIENT
from infermod.scw import deadline
from infermod.scw.errors import as_fatal, describe
from infermod.scw.gateway import Gateway
from infermod.scw.statuses import LOCKED, locked_message
from infermod.state import ActualDeployment, ownership_tags

__all__ = ["Executor", "Failed", "Interrupted"]
# Threads are cheap while they wait on the poller; this only bounds a pathological plan.
MAX_IN_FLIGHT = 512


class Executor:
    def __init__(
        self,
        plan: Plan,
        config: Config,
        gateway: Gateway,
        progress: Progress,
        parallelism: int,
        timeout: float | None,
        poll: Schedule | None = None,
    ) -> None:
        self.plan = plan
        self.config = config
        self.gateway = guarded(gateway, plan, config)
        self.progress = progress
        self.parallelism = parallelism
        self.timeout = timeout
        self.stop = threading.Event()
        self.slots = WriteSlots(parallelism)
        self.model_ids: dict[str, Future[str]] = {}
        self.outcomes: list[Outcome] = []
        self.interrupted: KeyboardInterrupt | None = None  # Ctrl-C, or SIGTERM (errors.Terminated)
        self.run_id = uuid.uuid4().hex[:12]
        self.waits = Waits(
            gateway,
            plan.stack,
            poll or Schedule(),
            self.stop,
            progress,
            timeout,
            run_tag(self.run_id),
            sum(1 for c in plan.changes if c.type == "deployment"),
        )
        self.reread_note: str | None = None  # why the final re-read could not check the report
        self.notes: dict[str, str] = {}  # what happened besides the plain result, per address
        self.taken: set[str] = set()  # addresses whose create adopted another run's copy
        self.phase: dict[str, str] = {}  # what each change is doing now, for an interrupted report
        self.deleting = {c.resource_id for c in plan.changes if "delete" in c.actions and c.resource_id}
        self.stack_reads = StackReads(self.gateway, plan.stack)  # one read per batch of creates

    # ---- orchestration -----------------------------------------------------------------------
    def run(self) -> list[Outcome]:
        changes = [c for c in self.plan.changes if c.changes_something]
        models = [c for c in changes if c.type == "model" and c.actions != DELETE]
        deployments = [c for c in changes if c.type == "deployment" and c.actions != DELETE]
        for c in self.plan.changes:
            if c.type == "model" and c.actions == NOOP and c.resource_id:
                self.model_ids[c.key] = _done(c.resource_id)
        try:  # deletions already under way are not another run's destroy starting now
            self.deleting |= already_deleting(self.stack_reads, self.plan)
        except Exception as exc:  # nothing has changed yet
            raise as_fatal(
                exc, "cannot read the stack's deployments before creating; nothing was changed"
            ) from None
        workers = max(self.parallelism, min(MAX_IN_FLIGHT, len(changes)))
        with deadline.reserve(reserve(self.timeout)), ThreadPoolExecutor(max_workers=workers) as pool:
            try:
                for c in models:
                    self.model_ids[c.key] = pool.submit(self._guard, c, self._model)
                self._run_all(pool, [(c, self._deployment) for c in deployments])
                first_failed = any(not o.ok for o in self.outcomes)
                self._run_all(
                    pool,
                    [
                        (c, self._delete_deployment)
                        for c in changes
                        if c.type == "deployment" and c.actions == DELETE
                    ],
                )
                model_deletes = [c for c in changes if c.type == "model" and c.actions == DELETE]
                if first_failed:
                    self.outcomes += [
                        Outcome(
                            c.address,
                            c.type,
                            c.actions,
                            "skipped",
                            "kept because a deployment change failed and may still use it",
                        )
                        for c in model_deletes
                    ]
                else:
                    self._run_all(pool, [(c, self._delete_model) for c in model_deletes])
                if self.plan.destroy and not self.plan.targets:  # a partial destroy sweeps nothing
                    self._sweep()
            except KeyboardInterrupt as exc:
                self.interrupted = exc
                self.stop.set()
                pool.shutdown(wait=True, cancel_futures=True)
        done = {o.address + str(o.actions) for o in self.outcomes}
        for c in changes:  # whatever never started is said so, not silently dropped
            if c.address + str(c.actions) not in done:
                self.outcomes.append(
                    Outcome(
                        c.address,
                        c.type,
                        c.actions,
                        "not started",
                        "interrupted before it started" if self.interrupted else "not started",
                    )
                )
        self.outcomes, self.reread_note = reconcile(self.gateway, self.plan, self.outcomes)
        return self.outcomes

    def _run_all(
        self, pool: ThreadPoolExecutor, work: list[tuple[ResourceChange, Callable[[ResourceChange], Any]]]
    ) -> None:
        pending = {pool.submit(self._guard, c, fn) for c, fn in work}
        while pending:  # short waits so that Ctrl-C reaches the main thread promptly
            _, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)

    def _guard(self, change: ResourceChange, fn: Callable[[ResourceChange], Any]) -> Any:
        """Run one resource's work and record its outcome; never raises to the pool."""
        if self.stop.is_set() or deadline.expired():
            why = deadline.describe() if deadline.expired() else "interrupted"
            self.outcomes.append(
                Outcome(
                    change.address, change.type, change.actions, "not started", f"{why} before it started"
                )
            )
            raise Interrupted(change.address)
        self.progress.start(change.address, _verb(change))
        try:
            result, resource_id = fn(change)
        except Interrupted as exc:
            doing = self.phase.get(change.address)
            message = f"interrupted while {doing}" if doing else "interrupted"
            message += f"; {exc}" if str(exc) else ""
            self.outcomes.append(Outcome(change.address, change.type, change.actions, "interrupted", message))
            self.progress.done(change.address, "interrupted", ok=False)
            raise
        except (Failed, Exception) as exc:
            message = str(exc) if isinstance(exc, Failed) else describe(exc)
            made = exc.resource_id if isinstance(exc, Failed) else None
            if made is None and change.actions in (UPDATE, DELETE):  # it exists: name it
                made = change.resource_id
            self.outcomes.append(
                Outcome(change.address, change.type, change.actions, "failed", message, made)
            )
            self.progress.done(change.address, f"failed: {message}", ok=False)
            raise Failed(message) from None
        note = self.notes.get(change.address)
        self.outcomes.append(Outcome(change.address, change.type, change.actions, result, note, resource_id))
        self.progress.done(change.address, result)
        return resource_id

    # ---- models ------------------------------------------------------------------------------
    def _model(self, change: ResourceChange) -> tuple[str, str]:
        spec = self.config.model(change.key)
        if spec is None:
            raise Failed(f"{change.address} is not in the configuration any more: make a new plan")
        if change.actions == REPLACE and change.resource_id:
            old_id = change.resource_id
            self.phase[change.address] = f"deleting model {old_id}"
            self.slots.run(lambda: self.gateway.delete_model(change.region, old_id))
        self.phase[change.address] = "importing it"
        clock = Clock(model_limit(change.address, spec.timeouts))
        secret = spec.secret.reveal() if spec.secret else None
        model = self.slots.run(
            lambda: self.gateway.create_model(
                change.region, change.project_id, spec.name, spec.source_url, secret
            )
        )
        self.phase[change.address] = f"waiting for model {model.id} to be imported (it goes on in Scaleway)"
        try:
            self._wait_model(change.address, change.region, model.id, clock)
        except Failed as exc:  # it exists: the report names it
            raise Failed(str(exc), exc.resource_id or model.id) from None
        return ("replaced" if change.is_replace else "created"), model.id

    def _wait_model(self, address: str, region: str, model_id: str, clock: Clock) -> None:
        fetch = lambda: self.gateway.get_model(region, model_id)  # noqa: E731 - one read, named
        for model in self.waits.poll(address, fetch, limit=clock):
            if model is None:
                raise Failed("the model disappeared while importing")
            if model.status == "ready":
                return
            if model.status == "error":
                raise Failed(f"import failed: {model.error_message or 'no message from the API'}")

    def _delete_model(self, change: ResourceChange) -> tuple[str, str | None]:
        model_id = change.resource_id
        assert model_id
        self.slots.run(lambda: self.gateway.delete_model(change.region, model_id))
        return "destroyed", model_id

    # ---- deployments -------------------------------------------------------------------------
    def _model_id(self, change: ResourceChange) -> str:
        after = _desired(change)
        if after.model_id and after.model_id != KNOWN_AFTER_APPLY:
            return after.model_id
        key = change.depends_on[0].split(".", 1)[1] if change.depends_on else ""
        future = self.model_ids.get(key)
        if future is None:
            raise Failed(f"no id for model.{key}: make a new plan")
        self.phase[change.address] = f"waiting for model.{key}"
        while True:
            if self.stop.is_set():
                raise Interrupted("nothing was created")
            try:
                return str(future.result(timeout=0.5))
            except TimeoutError:
                continue
            except Exception:
                if self.stop.is_set():  # the model's import was interrupted, not failed
                    raise Interrupted("nothing was created") from None
                raise Failed(f"skipped: it uses model.{key}, which failed") from None

    def _deployment(self, change: ResourceChange) -> tuple[str, str]:
        if change.importing is not None:
            self._adopt(change)
            if change.actions == NOOP:
                return "imported", change.importing
            self.notes[change.address] = "imported first: it carries the stack's tags now"
        if change.actions == ("create",):
            created = self._create(change)
            adopted = change.importing is not None or change.address in self.taken
            return ("adopted" if adopted else "created"), created.id
        if change.actions == REPLACE_CBD:
            created = self._create(change)
            self._delete_and_wait(change)
            return "replaced", created.id
        if change.actions == REPLACE:
            self._delete_and_wait(change)
            created = self._create(change)
            return "replaced", created.id
        self._update(change)
        return "updated", change.resource_id or ""

    def _create(self, change: ResourceChange) -> ActualDeployment:
        after = _desired(change)
        after = after._replace(
            model_id=self._model_id(change),
            tags=(*after.tags, *ownership_tags(self.plan.stack, change.key), *_replaces(change)),
        )
        if self.stop.is_set():
            raise Interrupted("")
        clock = Clock(deployment_limit(change.address, "create", self._timeouts(change.key)))
        # a change's region and project are the existing deployment's: a replacement that
        # moves it is created where the configuration wants it
        change = change._replace(region=after.region, project_id=after.project_id)
        self.phase[change.address] = "creating the new deployment" if change.is_replace else "creating it"
        try:
            outcome = create_once(
                self.gateway,
                change,
                self.plan.stack,
                after,
                self.run_id,
                self.deleting,
                self.slots.run,
                self.stack_reads,
                self.stop.wait,
            )
        except ConcurrentDestroy as exc:
            raise Failed(str(exc)) from None
        created = outcome.deployment
        if outcome.note:
            self.notes[change.address] = outcome.note
        if not outcome.ours:
            self.taken.add(change.address)
        self.progress.status(change.address, created.status)
        self.phase[change.address] = f"waiting for {created.id} to be ready"
        try:
            self.waits.ready(
                change.address,
                change.region,
                change.project_id,
                created.id,
                f"created as {created.id}",
                ours=outcome.ours,
                limit=clock,
            )
        except Interrupted:
            raise
        except Exception as exc:  # it exists: the report names it even when it cannot be re-read
            message = str(exc) if isinstance(exc, Failed) else describe(exc)
            raise Failed(f"created as {created.id}, then: {message}", created.id) from None
        return created

    def _adopt(self, change: ResourceChange) -> None:
        """Adopt a deployment made outside infermod: add the stack's ownership tags (the guard
        proves the configuration names it and no other stack owns it), then wait as for any tag
        change, until it serves again."""
        dep_id, region = change.importing, change.region
        assert dep_id
        self.phase[change.address] = f"adopting {dep_id}"
        current = self.gateway.get_deployment(region, dep_id)
        if current is None:
            raise Failed(f"deployment {dep_id} disappeared")
        if current.status == LOCKED:
            raise Failed(locked_message(current.name))
        if current.status in TRANSIENT:
            self.waits.ready(change.address, region, change.project_id, dep_id, "", settle_only=True)
        tags = [*current.user_tags, *ownership_tags(self.plan.stack, change.key)]
        answer = self.slots.run(lambda: self.gateway.adopt_deployment(region, dep_id, change.key, tags))
        self.waits.updated(change.address, region, change.project_id, answer, "adopting")

    def _update(self, change: ResourceChange) -> None:
        dep_id, region = change.resource_id, change.region
        assert dep_id
        self.phase[change.address] = f"updating {dep_id}"
        redeploys = any(f.downtime for f in change.field_changes)
        clock = Clock(deployment_limit(change.address, "update", self._timeouts(change.key), redeploys))
        current = self.gateway.get_deployment(region, dep_id)  # one read, not a poll interval
        if current is None:
            raise Failed(f"deployment {dep_id} disappeared")
        if current.status == LOCKED:  # final: waiting for it would only run into --timeout
            raise Failed(locked_message(current.name))
        if current.status in TRANSIENT:
            self.waits.ready(
                change.address, region, change.project_id, dep_id, "", settle_only=True, limit=clock
            )
        steps = sorted(change.endpoint_changes, key=lambda e: ("create", "update", "delete").index(e.action))
        fields = self._update_fields(change)
        done: list[str] = []
        try:
            for e in steps:
                self.slots.run(partial(self._endpoint_call, region, dep_id, e))
                done.append(_endpoint_step(e))
            if fields:
                answer = self.slots.run(lambda: self.gateway.update_deployment(region, dep_id, **fields))
                done.append(f"{', '.join(_field_names(fields))} changed")
                # every update redeploys for a while (a rename ~2 min): done when it serves it
                doing = "redeploying" if redeploys else "updating"
                self.waits.updated(change.address, region, change.project_id, answer, doing, clock)
        except Interrupted:
            raise
        except Exception as exc:
            raise _partly_done(exc, done, steps, fields, dep_id) from None

    def _endpoint_call(self, region: str, dep_id: str, e: EndpointChange) -> None:
        if e.action == "create" and e.after:
            self.gateway.create_endpoint(region, dep_id, e.after)
        elif e.action == "update" and e.endpoint_id and e.after:
            self.gateway.update_endpoint(region, e.endpoint_id, e.after.disable_auth)
        elif e.action == "delete" and e.endpoint_id:
            self.gateway.delete_endpoint(region, e.endpoint_id)

    def _update_fields(self, change: ResourceChange) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        after = _desired(change)
        for f in change.field_changes:
            if f.field == "tags":
                fields["tags"] = [*after.tags, *ownership_tags(self.plan.stack, change.key)]
            elif f.field in ("min_size", "max_size"):
                fields["min_size"] = after.min_size
                fields["max_size"] = after.max_size
            elif f.field == "model":
                fields["model_id"] = self._model_id(change)
            elif f.field in ("name", "quantization"):
                fields[f.field] = f.after
        return fields

    def _delete_deployment(self, change: ResourceChange) -> tuple[str, str | None]:
        self._delete_and_wait(change)
        return "destroyed", change.resource_id

    def _delete_and_wait(self, change: ResourceChange) -> None:
        assert change.resource_id
        self._delete_id(change.address, change.region, change.project_id, change.resource_id)

    def _delete_id(self, address: str, region: str, project_id: str, dep_id: str) -> None:
        if self.stop.is_set():
            raise Interrupted("")
        self.phase[address] = f"deleting {dep_id}"
        clock = Clock(deployment_limit(address, "delete", self._timeouts(address.split(".", 1)[1])))
        current = self.gateway.get_deployment(region, dep_id)
        if current is not None and current.status in TRANSIENT:
            self.waits.ready(address, region, project_id, dep_id, "", settle_only=True, limit=clock)
        self.slots.run(lambda: self.gateway.delete_deployment(region, dep_id))
        self.waits.gone(address, region, project_id, dep_id, clock)

    def _timeouts(self, key: str) -> Timeouts:
        """The deployment's `timeouts:` block; the defaults for one no longer configured."""
        spec = next((d for d in self.config.deployments if d.key == key), None)
        return spec.timeouts if spec is not None else Timeouts()

    def _sweep(self) -> None:
        """A destroy also deletes what another run created while it ran (see apply/sweep.py)."""
        from infermod.apply.sweep import sweep

        default = self.gateway.default_project_id or ""
        pairs = {(c.region, c.project_id) for c in self.plan.changes} | {
            (d.region, d.project_id or default) for d in self.config.deployments
        }
        protected = self.config.protected()

        def delete(dep: ActualDeployment) -> None:
            address = f"deployment.{dep.key}"
            self.progress.start(address, "destroying")
            note = "appeared during the destroy (another run created it): destroyed too"
            try:
                self._delete_id(address, dep.region, dep.project_id, dep.id)
            except (Failed, Exception) as exc:
                message = str(exc) if isinstance(exc, Failed) else describe(exc)
                self.outcomes.append(
                    Outcome(address, "deployment", DELETE, "failed", f"{note}; {message}", dep.id)
                )
                return
            self.outcomes.append(Outcome(address, "deployment", DELETE, "destroyed", note, dep.id))
            self.progress.done(address, "destroyed")

        try:
            sweep(self.gateway, self.plan.stack, pairs, protected, delete, lambda: self.stop.is_set())
        except Exception as exc:
            self.outcomes.append(
                Outcome(
                    f"stack.{self.plan.stack}",
                    "stack",
                    DELETE,
                    "failed",
                    f"could not check for deployments created during the destroy: {describe(exc)}",
                )
            )


def _desired(change: ResourceChange) -> Deployment:
    if not isinstance(change.after, Deployment):
        raise Failed(f"{change.address}: the plan has no desired deployment for it; make a new plan")
    return change.after


def guarded(gateway: Gateway, plan: Plan, config: Config) -> Gateway:
    """Every write re-checks ownership and prevent_destroy (apply/guard.py)."""
    from infermod.apply.guard import OwnedOnly

    protected = config.protected()
    owners = {
        e.endpoint_id: c.resource_id
        for c in plan.changes
        if c.resource_id
        for e in c.endpoint_changes
        if e.endpoint_id
    }
    adopted = frozenset(m.id for m in config.models if m.id)
    adopting = {d.id: d.key for d in config.deployments if d.id}
    return OwnedOnly(gateway, plan.stack, protected, owners, adopted, adopting)


def _replaces(change: ResourceChange) -> tuple[str, ...]:
    """The new copy of a create-before-destroy replacement names the copy it replaces, so that
    a run killed before deleting the old one leaves something the next plan can settle."""
    from infermod.plan.duplicates import REPLACES_TAG

    if change.actions != REPLACE_CBD or not change.resource_id:
        return ()
    return (f"{REPLACES_TAG}{change.resource_id}",)


def _done(value: str) -> Future[str]:
    future: Future[str] = Future()
    future.set_result(value)
    return future


def _verb(change: ResourceChange) -> str:
    return {
        ("create",): "creating",
        ("update",): "updating",
        ("no-op",): "adopting",
        ("delete",): "destroying",
        REPLACE: "replacing (destroy, then create)",
        REPLACE_CBD: "replacing (create, then destroy)",
    }.get(change.actions, "working")


def _endpoint_step(e: EndpointChange) -> str:
    network = "public" if e.network == "public" else f"private network {e.network.partition(':')[2]}"
    said = {"create": "added", "update": "auth changed", "delete": "removed"}[e.action]
    return f"{network} endpoint {said}"


def _field_names(fields: dict[str, Any]) -> list[str]:
    return sorted(
        "size" if k in ("min_size", "max_size") else "model" if k == "model_id" else k for k in fields
    )


def _partly_done(
    exc: BaseException, done: list[str], steps: list[EndpointChange], fields: dict[str, Any], dep_id: str
) -> Failed:
    """An update is several calls: when one fails, say which went through and which were not
    made, so no one has to diff the deployment by hand to know where it stands."""
    message = str(exc) if isinstance(exc, Failed) else describe(exc)
    if not done:
        return Failed(message, dep_id)
    planned = [_endpoint_step(e) for e in steps] + (
        [f"{', '.join(_field_names(fields))} changed"] if fields else []
    )
    left = planned[len(done) :]  # the failed call first: not known to have gone through
    said = f"{message}; done before it: {'; '.join(done)}"
    return Failed(said + (f"; not done: {'; '.join(left)}" if left else ""), dep_id)
