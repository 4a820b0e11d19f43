"""Node quotas per node-type family, as `TYPE=N,...` text and the family a node type counts in.

Scaleway counts Dedicated Deployment quotas per organization, in nodes. A quota key covers
the node type of that name and every node type whose name extends it with `-` (`H100` covers
H100, H100-2 and H100-SXM-8); the longest matching key wins; a node type no key covers is not
limited. The emulator and the plan's quota check share this reading.
"""

from __future__ import annotations

from collections.abc import Mapping

# Scaleway's documented defaults for an organization: 3 H100-class nodes and 5 L4/L40S
# nodes (read here as 5 of each, the looser reading); see docs/scaleway-api-assumptions.md.
DOCUMENTED_DEFAULTS = {"H100": 3, "L4": 5, "L40S": 5}


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
