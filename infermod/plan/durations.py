"""How long each change takes on the real service: the plan states its slowest change.

Changes run in parallel, so a run lasts about as long as its slowest change. Sources:
- a creation: ~14 min (recorded: the CLI's --wait saw `creating` for ~10 polls, `deploying`
  for ~46, `cli_test-deployment-create-deployment-with-wait-flag`);
- a deletion: ~1 min (recorded: `deleting`, then 404 a minute later, `deployment-basic.yaml`);
- a rename or tag change: ~2 min `deploying` (recorded after a rename, see
  docs/scaleway-api-assumptions.md B7);
- a model, size or quantization change: 15-30 min (the product docs on changing a model);
- a custom-model import: not recorded (the recorded imports answered `ready` at once, the
  repository being already held); Scaleway's Terraform provider allows it 3 hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from infermod.plan.model import CREATE, DELETE, NOOP, REPLACE, REPLACE_CBD, UPDATE, ResourceChange

CREATE_MIN = 14
DELETE_MIN = 1
RELABEL_MIN = 2
REDEPLOY_MIN = (15, 30)


class Duration(NamedTuple):
    rank: int  # minutes, the upper bound: what orders changes by slowness
    text: str  # "≈14 min"
    what: str  # "creation", counted and pluralised
    low: int | None = None  # minutes, the lower bound when it differs from rank; None: unknown
    recorded: bool = True  # from a recording (else from the docs or Scaleway's Terraform provider)


class Expected(NamedTuple):
    """The plan's expected duration: its slowest kind of change (changes run in parallel)."""

    minutes_low: int | None  # None: unknown (a custom-model import)
    minutes_high: int
    kind: str  # creation, deletion, replacement, in-place redeploy, rename or tag change, ...
    how_many: int  # changes of that kind
    recorded: bool  # the duration was recorded (else documented, or the provider's limit)
    line: str  # the sentence the text and markdown views print

    def to_json(self) -> dict[str, object]:
        return {
            "minutes_low": self.minutes_low,
            "minutes_high": self.minutes_high,
            "kind": self.kind,
            "count": self.how_many,
            "recorded": self.recorded,
            "text": self.line.removeprefix("Expected duration: "),
        }


def expected(change: ResourceChange) -> Duration | None:
    if change.actions == NOOP and change.importing is not None:  # adopting it adds tags
        return Duration(RELABEL_MIN, f"≈{RELABEL_MIN} min", "rename or tag change")
    if change.actions == NOOP:
        return None
    if change.type == "model":
        if change.actions == DELETE:
            return Duration(DELETE_MIN, f"≈{DELETE_MIN} min", "custom model deletion")
        return Duration(180, "unknown, up to 3 h", "custom model import", None, False)
    if change.actions == CREATE:
        return Duration(CREATE_MIN, f"≈{CREATE_MIN} min", "creation")
    if change.actions == DELETE:
        return Duration(DELETE_MIN, f"≈{DELETE_MIN} min", "deletion")
    if change.actions in (REPLACE, REPLACE_CBD):
        total = CREATE_MIN + DELETE_MIN
        return Duration(total, f"≈{total} min", "replacement")
    if change.actions == UPDATE:
        if any(f.downtime for f in change.field_changes):
            low, high = REDEPLOY_MIN
            return Duration(high, f"≈{low}–{high} min", "in-place redeploy", low, False)  # noqa: RUF001 - the en dash is meant
        if change.importing is not None or any(f.field in ("name", "tags") for f in change.field_changes):
            return Duration(RELABEL_MIN, f"≈{RELABEL_MIN} min", "rename or tag change")
        return Duration(0, "under a minute", "endpoint change")
    return None


def slowest(changes: Sequence[ResourceChange]) -> str | None:
    """`Expected duration: ≈14 min: 2 creations (...)`, from the slowest kind of change, or
    None without changes."""
    found = expected_duration(changes)
    return found.line if found is not None else None


def expected_duration(changes: Sequence[ResourceChange]) -> Expected | None:
    """The slowest kind of change and how many there are, or None without changes."""
    found = [d for d in (expected(c) for c in changes) if d is not None]
    if not found:
        return None
    top = max(found, key=lambda d: d.rank)
    count = sum(1 for d in found if d.what == top.what)
    noun = top.what if count == 1 else _plural(top.what)
    why = (
        "imports were not recorded; Scaleway's Terraform provider allows one 3 h"
        if top.what == "custom model import"
        else "the slowest change; changes run in parallel"
    )
    low = top.low if top.low is not None or top.what == "custom model import" else top.rank
    line = f"Expected duration: {top.text}: {count} {noun} ({why})"
    return Expected(low, top.rank, top.what, count, top.recorded, line)


def _plural(what: str) -> str:
    if what == "rename or tag change":
        return "renames or tag changes"
    return what[:-1] + "ies" if what.endswith("y") else what + "s"
