"""The IPAM view of deployments' private endpoints: `GET /ipam/v1/regions/{region}/ips`.

Scaleway's IPAM API lists the private IP each resource holds on a Private Network; a
Dedicated Deployment's is of resource type `llm_deployment` (SDK `ipam/v1/types.py`
`ResourceType.LLM_DEPLOYMENT`). Not recorded: the shape follows the SDK's `IP`. Addresses are
derived from the deployment and network ids, so they are stable across restarts.
"""

from __future__ import annotations

import hashlib
from typing import Any

RESOURCE_TYPE = "llm_deployment"


def address(deployment_id: str, private_network_id: str) -> str:
    digest = hashlib.sha256(f"{deployment_id}/{private_network_id}".encode()).digest()
    return f"172.16.{digest[0] % 4}.{2 + digest[1] % 250}/22"


def ips(deployments: list[dict[str, Any]], region: str, query: dict[str, list[str]]) -> list[dict[str, Any]]:
    def one(name: str) -> str | None:
        values = query.get(name) or []
        return values[0] if values else None

    wanted_type, wanted_id, wanted_net = one("resource_type"), one("resource_id"), one("private_network_id")
    out = []
    for dep in deployments:
        if wanted_type not in (None, RESOURCE_TYPE) or wanted_id not in (None, dep["id"]):
            continue
        for endpoint in dep.get("endpoints") or []:
            network = (endpoint.get("private_network") or {}).get("private_network_id")
            if not network or wanted_net not in (None, network):
                continue
            out.append(
                {
                    "id": hashlib.sha256(f"ip/{dep['id']}/{network}".encode()).hexdigest()[:8]
                    + "-0000-4000-8000-"
                    + dep["id"][-12:],
                    "address": address(dep["id"], network),
                    "project_id": dep["project_id"],
                    "is_ipv6": False,
                    "created_at": dep["created_at"],
                    "updated_at": dep["created_at"],
                    "source": {"private_network_id": network, "subnet_id": None},
                    "resource": {
                        "type": RESOURCE_TYPE,
                        "id": dep["id"],
                        "mac_address": None,
                        "name": dep["name"],
                    },
                    "tags": [],
                    "reverses": [],
                    "region": region,
                    "zone": None,
                }
            )
    return out
