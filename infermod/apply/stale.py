"""Whether a saved plan still holds: the configuration and the actual state it was made from."""

from __future__ import annotations

from infermod.config.digest import resource_digests
from infermod.config.model import Config
from infermod.plan.model import Plan
from infermod.state import ActualDeployment, ActualModel, ActualState


def stale_reasons(saved: Plan, config: Config, fresh: Plan, state: ActualState) -> list[str]:
    """Why a saved plan no longer describes what applying it would do (empty: it still does)."""
    reasons = []
    if saved.stack != config.stack:
        reasons.append(f"the stack is now `{config.stack}`, the plan was made for `{saved.stack}`")
    if str(saved.config_digest) != config.digest:
        reasons.append("the configuration changed: " + describe_config_change(saved, config))
    if saved.state_fingerprint != fresh.state_fingerprint:
        reasons.append(
            "the deployments changed since the plan was made: " + describe_state_change(saved, state)
        )
    return reasons


def describe_config_change(saved: Plan, config: Config) -> str:
    before = {c.address for c in saved.changes if c.after is not None}
    now = set(resource_digests(config))
    added, removed = sorted(now - before), sorted(before - now)
    parts = [f"{a} added" for a in added] + [f"{r} removed" for r in removed]
    return ", ".join(parts) or "a setting of a declared resource differs"


def describe_state_change(saved: Plan, state: ActualState) -> str:
    known = {c.resource_id: c for c in saved.changes if c.resource_id}
    current: dict[str, ActualDeployment | ActualModel] = {
        d.id: d for d in state.owned_deployments(saved.stack)
    }
    current |= {m.id: m for m in state.owned_models(saved.stack)}
    parts = []
    for rid, change in known.items():
        was = change.before.status if change.before else None
        if rid not in current:
            parts.append(f"{change.address} ({rid}) no longer exists")
        elif was and current[rid].status != was:
            parts.append(f"{change.address} is now {current[rid].status} (was {was})")
    for rid, res in current.items():
        if rid not in known:
            parts.append(f"{res.name} ({rid}) appeared")
    return ", ".join(parts) or "a resource was modified"
