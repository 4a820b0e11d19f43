"""Regions the API refused to list in: what the plan could not check there.

infermod reads every region of infermod/regions.py, not only the configured ones, so that a
deployment moved out of a region is still found. When the API refuses one (it does not serve
Dedicated Deployment there), the other regions are still planned: a configured resource in
that region is an error (nothing about it can be known or done), a region the configuration
does not use is a warning (a deployment of the stack there would go unseen).
"""

from __future__ import annotations

from infermod.config.model import Config
from infermod.findings import Finding
from infermod.regions import ENV
from infermod.state import ActualState


def region_findings(config: Config, state: ActualState) -> list[Finding]:
    out = []
    for region, detail in state.refused:
        used = [d for d in config.deployments if d.region == region] + [
            m for m in config.models if m.region == region
        ]
        for spec in used:
            path = (
                f"{'deployments' if spec.address.startswith('deployment.') else 'models'}.{spec.key}.region"
            )
            out.append(
                Finding(
                    "region-refused",
                    "error",
                    f"{spec.address} is in {region}, where the Scaleway API refused to list ({detail}): "
                    "its state and catalog cannot be checked",
                    spec.address,
                    config.where(path),
                    path,
                    "Dedicated Deployment is offered in fr-par; choose a region the API serves",
                )
            )
        if not used:
            out.append(
                Finding(
                    "region-refused",
                    "warning",
                    f"region {region} was not read ({detail}): a deployment of this stack there would "
                    "go unseen by this plan",
                    hint=f"remove {region} from {ENV} if Scaleway does not offer Dedicated Deployment there",
                )
            )
    return out
