"""After a destroy: what another run created meanwhile is deleted too, so the stack ends empty.

A destroy's intent is "nothing of this stack remains". An apply running at the same time on
another machine may create a deployment after the destroy's plan was read; the apply stops
creating as soon as it sees the destroy's deletions (`infermod.apply.create`), and this sweep
re-reads the stack by its tags until nothing owned is left, so the end state is one of the
two intents, never a mix. `prevent_destroy` keys are never swept.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable

from infermod.scw.gateway import Gateway
from infermod.state import STACK_TAG, ActualDeployment, age

ROUNDS = 5


def sweep(
    gateway: Gateway,
    stack: str,
    pairs: Iterable[tuple[str, str]],
    protected: Container[str],
    delete: Callable[[ActualDeployment], None],
    stopped: Callable[[], bool],
) -> list[ActualDeployment]:
    """Delete the stack's deployments that appeared; returns them, in the order deleted."""
    pairs = sorted(set(pairs))
    deleted: list[ActualDeployment] = []
    for _ in range(ROUNDS):
        if stopped():
            break
        found = [
            d
            for region, project in pairs
            for d in gateway.find_deployments(region, project, [f"{STACK_TAG}{stack}"])
            if d.stack == stack and d.key is not None and d.key not in protected and d.status != "deleting"
        ]
        if not found:
            break
        for dep in sorted(found, key=age):
            delete(dep)
            deleted.append(dep)
    return deleted
