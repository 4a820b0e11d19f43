"""The emulator's deployments kept ordered and indexed, so that a page costs O(page).

A list used to advance every deployment's status, filter the region, sort it and copy every
record into its JSON view, for each page: O(region) a page, quadratic over a paged read, 20 of
30 s of a benchmark at 20,000 deployments. Here:
- each deployment is filed, in (created_at, id) order, under its region, its (region, project)
  and each (region, tag) it carries; a query scans only the shortest of the lists that apply;
- the answer to a query is kept until a deployment is added, removed, renamed or retagged, so
  the pages after the first (fetched right after it, in parallel) are slices of it;
- status steps that are due are found in a heap of (time, id), not by visiting every record;
- only the page's records are copied into their JSON view (server.py).
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Iterable
from typing import Any

Key = tuple[str, str]  # (created_at, id): the API's order
Record = dict[str, Any]


def _key(record: Record) -> Key:
    return (str(record.get("created_at") or ""), str(record["id"]))


class DeploymentIndex:
    def __init__(self) -> None:
        self.lists: dict[tuple[str, ...], list[Key]] = {}
        self.filed: dict[str, tuple[tuple[str, ...], ...]] = {}  # id -> the lists it is in
        self.due: list[tuple[float, str]] = []  # (next step's time, id), stale entries allowed
        self.version = 0
        self.answers: dict[tuple[Any, ...], list[Record]] = {}

    # ---- filing ----------------------------------------------------------------------------
    def rebuild(self, records: Iterable[Record]) -> None:
        self.lists, self.filed, self.due, self.answers = {}, {}, [], {}
        self.version += 1
        for record in sorted(records, key=_key):
            self.add(record)
            self.schedule(record)

    def add(self, record: Record) -> None:
        names = _lists_of(record)
        key = _key(record)
        for name in names:
            entries = self.lists.setdefault(name, [])
            if entries and entries[-1] > key:
                bisect.insort(entries, key)
            else:
                entries.append(key)  # the usual case: created now, so last
        self.filed[record["id"]] = names
        self._changed()

    def remove(self, record: Record) -> None:
        key = _key(record)
        for name in self.filed.pop(record["id"], ()):
            entries = self.lists.get(name, [])
            at = bisect.bisect_left(entries, key)
            if at < len(entries) and entries[at] == key:
                del entries[at]
            if not entries:
                self.lists.pop(name, None)
        self._changed()

    def refile(self, record: Record) -> None:
        """After a rename or a tag change."""
        self.remove(record)
        self.add(record)

    def schedule(self, record: Record) -> None:
        steps = record.get("_steps") or ()
        if steps:
            heapq.heappush(self.due, (float(steps[0][0]), record["id"]))

    def _changed(self) -> None:
        self.version += 1
        self.answers.clear()

    # ---- status steps ----------------------------------------------------------------------
    def advance(self, now: float, table: dict[str, Record], step: Callable[[Record, float], bool]) -> None:
        """Apply every step due by `now`; `step` returns False when the record is gone."""
        while self.due and self.due[0][0] <= now:
            _, rid = heapq.heappop(self.due)
            record = table.get(rid)
            if record is None:
                continue
            if not step(record, now):
                del table[rid]
                self.remove(record)
                continue
            steps = record.get("_steps") or ()
            if steps and float(steps[0][0]) > now:
                heapq.heappush(self.due, (float(steps[0][0]), rid))

    # ---- queries ---------------------------------------------------------------------------
    def query(
        self,
        table: dict[str, Record],
        region: str,
        project: str | None,
        name: str | None,
        tags: list[str],
        descending: bool,
        visible: Callable[[Record], bool] | None = None,
    ) -> list[Record]:
        """The region's deployments matching every filter, in created_at order. `visible`
        (time-dependent, e.g. a list lag) disables keeping the answer."""
        question = (region, project, name, tuple(sorted(set(tags))), descending)
        if visible is None and question in self.answers:
            return self.answers[question]
        candidates = [self.lists.get(("region", region), [])]
        if project:
            candidates.append(self.lists.get(("project", region, project), []))
        candidates += [self.lists.get(("tag", region, tag), []) for tag in set(tags)]
        shortest = min(candidates, key=len)
        wanted = set(tags)
        found = []
        for _, rid in reversed(shortest) if descending else shortest:
            record = table.get(rid)
            if record is None:
                continue
            if project and record.get("project_id") != project:
                continue
            if name and name not in record.get("name", ""):
                continue
            if wanted and not wanted <= set(record.get("tags") or ()):
                continue
            if visible is not None and not visible(record):
                continue
            found.append(record)
        if visible is None:
            self.answers[question] = found
        return found


def _lists_of(record: Record) -> tuple[tuple[str, ...], ...]:
    region = str(record["region"])
    tags = sorted({str(t) for t in record.get("tags") or ()})
    return (
        ("region", region),
        ("project", region, str(record["project_id"])),
        *(("tag", region, tag) for tag in tags),
    )
