"""Copies of one deployment left by an interrupted run, settled by the create protocol's rule.

Two runs that create the same deployment at once each re-read after their create, and the
younger copy's run deletes it (apply/create.py). A run killed between its create and that
delete leaves its copy behind, and the key then has two deployments. When every copy proves
it was made by that protocol (the stack's and the key's tags, which `owned_by_key` already
requires, plus exactly one `infermod:run=` tag, a different run each, all in one region and
project, with the same settings and none in error), the rule every run applies settles it:
the oldest copy stays, the others are deleted. Any other pair of copies stays an
`ownership-conflict` that infermod never resolves.

A create-before-destroy replacement killed after its create and before deleting the old copy
leaves two copies with different settings; the new one carries `infermod:replaces=OLD_ID`, so
once it is ready the old one is deleted, as the replacement would have done.
"""

from __future__ import annotations

from infermod.state import RUN_TAG, ActualDeployment, age, tag_value

DUPLICATE = "delete_because_duplicate"  # a ResourceChange's action_reason
# On the new copy of a create-before-destroy replacement: the id of the copy it replaces
REPLACES_TAG = "infermod:replaces="


def losers(copies: list[ActualDeployment]) -> list[ActualDeployment] | None:
    """The copies to delete when the protocol provably made them all: all but the oldest, or,
    for the two halves of an interrupted create-before-destroy replacement, the old copy once
    the new one is ready. None when nothing is proven (or there is only one)."""
    if len(copies) < 2:
        return None
    replaced = _replaced(copies)
    if replaced is not None:
        return replaced
    runs = [tag_value(d.tags, RUN_TAG) for d in copies]
    if any(run is None for run in runs) or len(set(runs)) != len(runs):
        return None
    if len({(d.region, d.project_id) for d in copies}) != 1:
        return None
    # Racing runs create what one configuration says: the same settings, none in error. Copies
    # that differ are the two halves of an interrupted create-before-destroy replacement (a new
    # node type, or a replacement of a copy in error), where the oldest is the one to lose.
    if len({_settings(d) for d in copies}) != 1 or any(d.status == "error" for d in copies):
        return None
    ordered = sorted(copies, key=age)
    return ordered[1:]


def _replaced(copies: list[ActualDeployment]) -> list[ActualDeployment] | None:
    """[old] when there are two copies, the younger one ready and tagged as replacing the other."""
    if len(copies) != 2:
        return None
    old, new = sorted(copies, key=age)
    if tag_value(new.tags, REPLACES_TAG) != old.id or new.status != "ready":
        return None
    if (old.region, old.project_id) != (new.region, new.project_id) or tag_value(new.tags, RUN_TAG) is None:
        return None
    return [old]


def _settings(dep: ActualDeployment) -> tuple[object, ...]:
    endpoints = tuple(sorted((e.public, e.private_network_id or "", e.disable_auth) for e in dep.endpoints))
    return (
        dep.name,
        dep.node_type,
        dep.model_id,
        dep.min_size,
        dep.max_size,
        dep.quantization,
        tuple(sorted(dep.user_tags)),
        endpoints,
    )


def reason(dep: ActualDeployment, winner: ActualDeployment) -> str:
    if tag_value(winner.tags, REPLACES_TAG) == dep.id:
        return (
            f"delete the copy an interrupted create-before-destroy replacement left ({dep.id}); "
            f"its replacement, {winner.id}, is ready"
        )
    return (
        f"delete duplicate left by an interrupted run ({dep.id}, run {tag_value(dep.tags, RUN_TAG)}); "
        f"the oldest copy, {winner.id}, stays"
    )
