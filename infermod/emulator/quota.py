"""Organization node quotas: how many nodes of each node-type family all projects may run.

Scaleway counts Dedicated Deployment quotas per organization, in nodes (by default 3
H100-class and 5 L4/L40S nodes). The emulator serves one organization; its quota is set with
`--node-quota H100=3,L4=5`. A key covers the node type of that name and every node type whose
name extends it with `-` (H100 covers H100, H100-2 and H100-SXM-8); the longest matching key
wins. A node type no key covers is unlimited. The default is large, so tests and the sandbox
can run thousands of deployments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

DEFAULT_NODE_QUOTA = {"L4": 100_000, "L40S": 100_000, "H100": 100_000}


def parse_node_quota(text: str) -> dict[str, int]:
    """`H100=3,L4=5` -> {"H100": 3, "L4": 5}; ValueError with a readable message otherwise."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip().isdigit():
            raise ValueError(f"`{part}`: expected NODE_TYPE=COUNT, e.g. H100=3")
        out[key.strip()] = int(value)
    if not out:
        raise ValueError("expected NODE_TYPE=COUNT[,NODE_TYPE=COUNT...], e.g. H100=3,L4=5")
    return out


def quota_key(node_type: str, quota: Mapping[str, int]) -> str | None:
    matches = [k for k in quota if node_type == k or node_type.startswith(k + "-")]
    return max(matches, key=len, default=None)


def nodes_in_use(key: str, quota: Mapping[str, int], deployments: Iterable[tuple[str, int]]) -> int:
    """Nodes counted against `key`, from (node type, node count) pairs."""
    return sum(size for node_type, size in deployments if quota_key(node_type, quota) == key)
