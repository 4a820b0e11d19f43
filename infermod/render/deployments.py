"""The view of `infermod output`: each owned deployment's status and endpoint URLs."""

from __future__ import annotations

import json
from collections.abc import Sequence

from tabulate import tabulate

from infermod.state import ActualDeployment


def render_deployments(stack: str, deployments: Sequence[ActualDeployment], fmt: str) -> str:
    if fmt == "json":
        body = {
            "stack": stack,
            "deployments": {
                d.key: {
                    "id": d.id,
                    "name": d.name,
                    "region": d.region,
                    "status": d.status,
                    "model": d.model_name,
                    "node_type": d.node_type,
                    "size": d.size,
                    "endpoints": [
                        {
                            "url": e.url,
                            "public": e.public,
                            "private_network_id": e.private_network_id,
                            "disable_auth": e.disable_auth,
                        }
                        for e in d.endpoints
                    ],
                }
                for d in deployments
            },
        }
        return json.dumps(body, indent=2)
    if not deployments:
        return f"Stack `{stack}` owns no deployment yet: run `infermod apply`."
    rows = [
        [d.key, d.region, d.status, d.model_name, "\n".join(e.url for e in d.endpoints)] for d in deployments
    ]
    return tabulate(rows, headers=["deployment", "region", "status", "model", "endpoints"])
