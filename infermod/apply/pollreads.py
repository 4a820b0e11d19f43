"""What one poll reads: the deployments that are waiting, in the fewest requests.

A poll used to list the whole stack in the region (pages grow with the stack, not with what
waits: one creation into a 5,000-deployment stack cost five pages a poll). Now each poll picks
the cheapest of three reads, counted in requests:
- one GET per waiting deployment (a few waiting);
- the list of the deployments this run created there (by its run tag, which every create
  carries: pages grow with what the run made, not with the stack), plus one GET for each
  waiting deployment the run did not create (updates, deletions, an adopted copy);
- the list of the whole stack there (many updates or deletions waiting at once).
A deployment the run created that a list does not show yet is read by id before it is
taken for gone: lists may lag behind creates (docs/scaleway-api-assumptions.md, B13).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from infermod.scw.gateway import Gateway
from infermod.state import ActualDeployment

Waiting = Mapping[str, bool]  # deployment id -> created by this run (carries its run tag)


class WaitingReader:
    """Reads for one (region, project)'s poller; `stack_size` estimates the stack there
    until a list of it says how large it is."""

    def __init__(
        self,
        gateway: Gateway,
        region: str,
        project: str,
        stack_tag: str,
        run_tag: str,
        stack_size: int = 0,
    ) -> None:
        self.gateway = gateway
        self.region = region
        self.project = project
        self.stack_tag = stack_tag
        self.run_tag = run_tag
        self.run_size = 0  # what the run's list held last time, or the run's waits seen so far
        self.ours: set[str] = set()
        self.stack_size = stack_size
        self.seen: set[str] = set()  # ids a list has shown: their absence from a list is news
        self.requests = 0
        self.list_requests = 0  # of which list calls (pages)

    def __call__(self, waiting: Waiting) -> list[ActualDeployment]:
        ours = [i for i, mine in waiting.items() if mine]
        others = [i for i, mine in waiting.items() if not mine]
        self.ours.update(ours)
        by_id = len(waiting)
        by_run = self.pages(max(self.run_size, len(self.ours))) + len(others) if ours else by_id
        by_stack = self.pages(max(self.stack_size, len(waiting)))
        cheapest = min(by_id, by_run, by_stack)  # on a tie a list: it also serves later watches
        if cheapest == by_run and ours:
            listed = self._list(self.run_tag)
            self.run_size = len(listed)
            found = self._confirmed(listed, ours) + self._by_id(others)
        elif cheapest == by_stack:
            listed = self._list(self.stack_tag)
            self.stack_size = len(listed)
            found = self._confirmed(listed, ours)
        else:
            found = self._by_id(list(waiting))
        return found

    def _list(self, tag: str) -> list[ActualDeployment]:
        listed = self.gateway.list_tagged(self.region, self.project, [tag])
        self.requests += self.pages(len(listed))
        self.list_requests += self.pages(len(listed))
        self.seen.update(d.id for d in listed)
        return listed

    def pages(self, count: int) -> int:
        return max(1, math.ceil(count / self.gateway.page_size))

    def _by_id(self, ids: list[str]) -> list[ActualDeployment]:
        found = []
        for dep_id in ids:
            self.requests += 1
            dep = self.gateway.get_deployment(self.region, dep_id)
            if dep is not None:
                found.append(dep)
        return found

    def _confirmed(self, listed: list[ActualDeployment], ours: list[str]) -> list[ActualDeployment]:
        """The list, plus by id this run's new deployments it does not show yet (lag)."""
        shown = {d.id for d in listed}
        unseen = [i for i in ours if i not in shown and i not in self.seen]
        return listed + self._by_id(unseen)
