"""The emulated organization's node quotas (see infermod/quota.py for how keys match).

The default is large, so tests and the sandbox can run thousands of deployments; the
documented real defaults are set with `--node-quota H100=3,L4=5,L40S=5`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from infermod.quota import parse_node_quota, quota_key

DEFAULT_NODE_QUOTA = {"L4": 100_000, "L40S": 100_000, "H100": 100_000}

__all__ = ["DEFAULT_NODE_QUOTA", "nodes_in_use", "parse_node_quota", "quota_key"]


def nodes_in_use(key: str, quota: Mapping[str, int], deployments: Iterable[tuple[str, int]]) -> int:
    """Nodes counted against `key`, from (node type, node count) pairs."""
    return sum(size for node_type, size in deployments if quota_key(node_type, quota) == key)
