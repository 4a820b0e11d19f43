"""Watching deployments settle: one poller per (region, project), whatever the number waiting.

Every waiting deployment registers a watch; the region's poller reads what is waiting (the
cheapest of one GET each, the run's own list by its tag, or the stack's list: pollreads.py)
and hands each watch the fresh record, or None when it is absent (deleted). A watch is resolved when its
predicate accepts the record; the waiting thread then decides what the record means.

Real creations take about 14 minutes (shared/api-recordings), so the interval starts at
seconds and grows with the age of the youngest watch to tens of seconds; a burst of new
watches is served by the next poll, not one poll each. INFERMOD_POLL_INTERVAL (seconds)
shortens the first interval, for the emulator.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import NamedTuple

from infermod.apply.pollreads import WaitingReader
from infermod.state import ActualDeployment

Record = ActualDeployment | None
# reads the waiting deployments (id -> created by this run); the absent ones are gone
Lister = Callable[[Mapping[str, bool]], list[ActualDeployment]]
POLL_ENV = "INFERMOD_POLL_INTERVAL"


class Schedule(NamedTuple):
    """Seconds between polls: `first` while the youngest watch is young, then a fifth of
    its age, at most `longest` (2 s → 30 s puts ~40 list calls in a 14-minute creation)."""

    first: float = 2.0
    longest: float = 30.0

    def after(self, age: float) -> float:
        return min(self.longest, max(self.first, age / 5))


def schedule(sandbox: bool = False) -> Schedule:
    """The default schedule; the sandbox's emulator settles in seconds, so poll it faster."""
    text = os.environ.get(POLL_ENV)
    if text:
        try:
            first = float(text)
        except ValueError:
            first = 0.0
        if first > 0:
            return Schedule(first, max(first, Schedule().longest))
    return Schedule(0.5, 5.0) if sandbox else Schedule()


class Stopped(Exception):
    """The apply was interrupted while waiting."""


class TimedOut(Exception):
    def __init__(self, last: Record) -> None:
        super().__init__("timed out")
        self.last = last


class _Watch:
    def __init__(
        self, until: Callable[[Record], bool], on_status: Callable[[str], None], ours: bool = False
    ) -> None:
        self.until = until
        self.ours = ours
        self.on_status = on_status
        self.since = time.monotonic()
        self.settled = threading.Event()
        self.result: Record = None
        self.last: Record = None
        self.error: BaseException | None = None


class RegionPoller:
    """Lists with `lister` while anyone waits; its thread ends when no watch is left."""

    def __init__(self, lister: Lister, plan: Schedule, stop: threading.Event) -> None:
        self.lister = lister
        self.plan = plan
        self.stop = stop
        self.lock = threading.Condition()
        self.watches: dict[int, tuple[str, _Watch]] = {}
        self.next_poll = 0.0
        self.thread: threading.Thread | None = None
        self.polls = 0

    def wait(
        self,
        deployment_id: str,
        until: Callable[[Record], bool],
        timeout: float,
        on_status: Callable[[str], None] = lambda _: None,
        ours: bool = False,
    ) -> Record:
        """Block until `until(record)` holds, returning that record (None: absent).
        `ours`: this run created it. Raises TimedOut, Stopped, or the error that made
        listing fail."""
        watch = _Watch(until, on_status, ours)
        with self.lock:
            self.watches[id(watch)] = (deployment_id, watch)
            due = time.monotonic() + self.plan.first
            if self.thread is None:
                self.next_poll = due
                self.thread = threading.Thread(target=self._run, name="infermod-poller", daemon=True)
                self.thread.start()
            elif due < self.next_poll:
                self.next_poll = due
                self.lock.notify_all()
        deadline = watch.since + timeout
        try:
            while not watch.settled.wait(min(0.5, max(0.0, deadline - time.monotonic()))):
                if self.stop.is_set():
                    raise Stopped()
                if time.monotonic() >= deadline:
                    raise TimedOut(watch.last)
        finally:
            with self.lock:
                self.watches.pop(id(watch), None)
        if watch.error is not None:
            raise watch.error
        return watch.result

    def _run(self) -> None:
        while True:
            with self.lock:
                while self.watches and not self.stop.is_set():
                    pause = self.next_poll - time.monotonic()
                    if pause <= 0:
                        break
                    self.lock.wait(pause)
                if not self.watches or self.stop.is_set():
                    self.thread = None
                    return
                watches = list(self.watches.values())
            self._poll(watches)
            with self.lock:
                left = [w.since for _, w in self.watches.values() if not w.settled.is_set()]
                age = time.monotonic() - max(left) if left else 0.0
                self.next_poll = time.monotonic() + self.plan.after(age)

    def _poll(self, watches: list[tuple[str, _Watch]]) -> None:
        self.polls += 1
        try:
            waiting: dict[str, bool] = {}
            for dep_id, watch in watches:
                waiting[dep_id] = waiting.get(dep_id, False) or watch.ours
            listed = {d.id: d for d in self.lister(waiting)}
        except Exception as exc:  # every waiter gets the failure, as its own read would have
            for _, watch in watches:
                watch.error = exc
                watch.settled.set()
            return
        for dep_id, watch in watches:
            record = listed.get(dep_id)
            watch.last = record
            if record is not None:
                watch.on_status(record.status)
            try:
                done = watch.until(record)
            except Exception as exc:
                watch.error, done = exc, True
            if done:
                watch.result = record
                watch.settled.set()


class Pollers:
    """One RegionPoller per (region, project), reading what waits there (pollreads.py)."""

    def __init__(
        self, reader: Callable[[str, str], WaitingReader], plan: Schedule, stop: threading.Event
    ) -> None:
        self.reader = reader
        self.plan = plan
        self.stop = stop
        self.lock = threading.Lock()
        self.pollers: dict[tuple[str, str], RegionPoller] = {}
        self.readers: list[WaitingReader] = []

    def of(self, region: str, project_id: str) -> RegionPoller:
        with self.lock:
            poller = self.pollers.get((region, project_id))
            if poller is None:
                reader = self.reader(region, project_id)
                self.readers.append(reader)
                poller = RegionPoller(reader, self.plan, self.stop)
                self.pollers[(region, project_id)] = poller
            return poller

    @property
    def polls(self) -> int:
        return sum(p.polls for p in self.pollers.values())

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.readers)
