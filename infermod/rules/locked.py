"""Deployments Scaleway has locked: final until Scaleway unlocks them.

Both SDKs' waiters stop on `locked`, and a locked deployment refuses every change and its
deletion, so a plan that would touch one cannot be applied: it is an error found before any
write. A locked deployment the plan leaves alone is only a warning: it may not be serving.
"""

from __future__ import annotations

from collections.abc import Iterable

from infermod.config.model import Config
from infermod.findings import Finding
from infermod.scw.statuses import LOCKED, locked_message
from infermod.state import ActualDeployment


def locked_findings(config: Config, touched: Iterable[tuple[ActualDeployment, bool]]) -> list[Finding]:
    """`touched`: each actual deployment the stack owns, and whether the plan changes it."""
    out = []
    for dep, changes in touched:
        if dep.status != LOCKED:
            continue
        key = dep.key
        path = f"deployments.{key}" if key and any(d.key == key for d in config.deployments) else None
        out.append(
            Finding(
                "deployment-locked",
                "error" if changes else "warning",
                locked_message(dep.name)
                + (": the plan cannot change it" if changes else "; the plan leaves it alone"),
                f"deployment.{key or dep.name}",
                config.where(path) if path else None,
                path,
                "wait for Scaleway to unlock it (ask Scaleway support), then plan again",
            )
        )
    return out
