"""Waiting during an apply, holding no write slot: deployments through their region's poller,
custom-model imports (few, and not taggable) one read at a time.

A wait ends in the state it waited for, or raises Failed (error, locked, gone, the
operation's own limit, --timeout) or Interrupted (Ctrl-C) with the words the apply report
shows. Each operation's limit (infermod/limits.py) runs from when the operation starts; the
run's --timeout, when given, caps every wait on top.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from infermod.apply.poller import Pollers, Record, Schedule, Stopped, TimedOut
from infermod.apply.pollreads import WaitingReader
from infermod.apply.progress import Progress
from infermod.limits import Limit
from infermod.rules.updates import TRANSIENT
from infermod.scw import deadline
from infermod.scw.gateway import Gateway
from infermod.scw.statuses import LOCKED, locked_message
from infermod.state import STACK_TAG, ActualDeployment

GRACE_ENV = "INFERMOD_UPDATE_GRACE"
UPDATE_GRACE = 60.0


def _grace() -> float:
    try:
        return max(0.0, float(os.environ.get(GRACE_ENV, UPDATE_GRACE)))
    except ValueError:
        return UPDATE_GRACE


def _instant(text: str | None) -> dt.datetime | None:
    """An API timestamp (`2025-05-15T09:05:15.085852Z`), or None when there is none."""
    if not text:
        return None
    try:
        found = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=dt.UTC)


class Failed(Exception):
    def __init__(self, message: str = "", resource_id: str | None = None) -> None:
        super().__init__(message)
        self.resource_id = resource_id  # what exists in Scaleway despite the failure


class Interrupted(Exception):
    pass


class Clock:
    """An operation's own limit, running from when the operation starts."""

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self.end = time.monotonic() + limit.seconds

    def left(self) -> float:
        return max(0.0, self.end - time.monotonic())


class Waits:
    def __init__(
        self,
        gateway: Gateway,
        stack: str,
        poll: Schedule,
        stop: threading.Event,
        progress: Progress,
        timeout: float | None,
        run_tag: str = "",
        stack_size: int = 0,
    ) -> None:
        """`run_tag`: the tag every deployment this run creates carries; `stack_size`: about
        how many deployments the stack has (its pages, until a list says)."""

        def reader(region: str, project: str) -> WaitingReader:
            return WaitingReader(gateway, region, project, f"{STACK_TAG}{stack}", run_tag, stack_size)

        self.pollers = Pollers(reader, poll, stop)
        self.stop = stop
        self.progress = progress
        self.timeout = timeout  # the run's --timeout (None: no overall cap)

    def ready(
        self,
        address: str,
        region: str,
        project_id: str,
        dep_id: str,
        doing: str,
        settle_only: bool = False,
        ours: bool = False,
        limit: Clock | None = None,
    ) -> None:
        """Until ready (or, with settle_only, no longer settling: it may then be changed);
        `ours`: this run created it (it carries the run's tag); `limit`: the operation's own."""

        def settled(dep: Record) -> bool:
            if dep is None or dep.status in ("ready", "error", LOCKED):
                return True
            return settle_only and dep.status not in TRANSIENT

        dep = self._watch(address, region, project_id, dep_id, settled, doing, ours, limit)
        if dep is None:
            raise Failed(f"deployment {dep_id} disappeared")
        if dep.status == LOCKED:  # final: waiting for it would only run into --timeout
            raise Failed(locked_message(dep.name))
        if dep.status == "error" and not settle_only:
            raise Failed(f"deployment {dep_id} is in error: {dep.error_message or 'no message from the API'}")

    def updated(
        self,
        address: str,
        region: str,
        project_id: str,
        answer: ActualDeployment,
        doing: str,
        limit: Clock | None = None,
    ) -> None:
        """After an update, until the deployment serves the new specification. Recorded after
        a rename: the update answers `deploying`, then reads say `ready` with the update's own
        `updated_at` for ~2 s, then `deploying` again (a later `updated_at`) for minutes. So a
        `ready` counts only when its `updated_at` is later than the update's answer, or when it
        has lasted `INFERMOD_UPDATE_GRACE` seconds (60 by default: an update that redeploys
        nothing never leaves `ready`)."""
        since = _instant(answer.updated_at)
        grace = _grace()
        ready_since: list[float] = []

        def served(dep: Record) -> bool:
            if dep is None or dep.status in ("error", LOCKED):
                return True
            if dep.status != "ready":
                ready_since.clear()  # it left `ready`: the change is under way
                return False
            later = _instant(dep.updated_at)
            if since is None or (later is not None and later > since):
                return True
            ready_since[:1] = ready_since[:1] or [time.monotonic()]
            return time.monotonic() - ready_since[0] >= grace

        dep = self._watch(address, region, project_id, answer.id, served, doing, limit=limit)
        if dep is None:
            raise Failed(f"deployment {answer.id} disappeared")
        if dep.status == LOCKED:
            raise Failed(locked_message(dep.name))
        if dep.status == "error":
            raise Failed(
                f"deployment {answer.id} is in error: {dep.error_message or 'no message from the API'}"
            )

    def gone(
        self, address: str, region: str, project_id: str, dep_id: str, limit: Clock | None = None
    ) -> None:
        self._watch(address, region, project_id, dep_id, lambda dep: dep is None, "", limit=limit)

    def _watch(
        self,
        address: str,
        region: str,
        project_id: str,
        dep_id: str,
        until: Callable[[Record], bool],
        doing: str,
        ours: bool = False,
        limit: Clock | None = None,
    ) -> Record:
        poller = self.pollers.of(region, project_id)
        try:
            return poller.wait(
                dep_id,
                until,
                self._left(limit),  # the operation's limit, and the run's deadline
                lambda status: self.progress.status(address, status),
                ours,
            )
        except Stopped:
            raise Interrupted(
                f"{doing}; it goes on in Scaleway and the next plan will see it" if doing else ""
            ) from None
        except TimedOut as exc:
            status = exc.last.status if exc.last is not None else "gone"
            raise self._late(status, limit) from None

    def _left(self, limit: Clock | None) -> float:
        """Seconds this wait may last: the operation's limit, capped by the run's deadline."""
        own = limit.left() if limit is not None else math.inf
        return deadline.cap(min(own, self.timeout if self.timeout is not None else math.inf))

    def _late(self, status: str, limit: Clock | None) -> Failed:
        if limit is not None and limit.left() <= 0:
            return Failed(limit.limit.ran_out(status))
        took = f"{self.timeout:.0f}s" if self.timeout is not None else "the time limit"
        return Failed(f"still {status} after {took} (--timeout); it goes on in Scaleway: run plan later")

    def poll(
        self, address: str, fetch: Callable[[], Any], doing: str = "", limit: Clock | None = None
    ) -> Iterator[Any]:
        """Yield fresh reads of one resource until the caller returns, the time limit passes
        or Ctrl-C (custom-model imports)."""
        end = time.monotonic() + self._left(limit)
        delay = 0.5
        while True:
            if self.stop.is_set():
                raise Interrupted(
                    f"{doing}; it goes on in Scaleway and the next plan will see it" if doing else ""
                )
            item = fetch()
            if item is not None:
                self.progress.status(address, item.status)
            yield item
            remaining = end - time.monotonic()
            if remaining <= 0:
                status = item.status if item is not None else "gone"
                raise self._late(status, limit)
            self.stop.wait(min(delay, remaining))
            delay = min(delay * 1.5, 5.0)
