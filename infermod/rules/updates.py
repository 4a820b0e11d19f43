"""What the API can change in place, and what that costs: the facts the diff classifies changes by."""

from __future__ import annotations

from infermod.scw.statuses import SETTLING

# Fields the API has no update call for: changing one means a new deployment (name shown to users).
REPLACE_FIELDS = {"node_type": "node type", "region": "region", "project_id": "project"}
# Fields an update can change, but only by redeploying the nodes.
DOWNTIME_FIELDS = {"model", "min_size", "max_size", "quantization"}
# How long a redeploy leaves a deployment without service (Scaleway's "change model" docs).
REDEPLOY_TIME = "≈15–30 min"  # noqa: RUF001 - the en dash is meant
DOWNTIME = (
    "the deployment is unavailable while it redeploys (15-30 minutes per the product docs); "
    "set lifecycle.create_before_destroy for a zero-downtime replacement"
)
# Statuses a deployment passes through on its own: apply waits for them to settle. Not
# `locked`: it is final until Scaleway lifts it (rules/status.py makes it a finding).
TRANSIENT = SETTLING
