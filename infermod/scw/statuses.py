"""What each deployment status means, from the SDK (scaleway/inference/v1/types.py and the
waiters' terminal statuses in content.py) and the recorded traffic.

- transient (the SDK waiters keep polling): creating, deploying, deleting, scaling;
- final: ready, error, locked (both SDKs' waiters stop on it; only Scaleway unlocks it, and
  a locked deployment cannot be changed or deleted), unknown_status;
- deleted (added to the API in 2026): the deployment is gone, like a 404.
"""

from __future__ import annotations

TRANSIENT = frozenset({"creating", "deploying", "deleting", "scaling"})
SETTLING = TRANSIENT - {"deleting"}  # wait these out before changing the deployment
LOCKED = "locked"
GONE = frozenset({"deleted"})
UNKNOWN = "unknown_status"


def locked_message(name: str) -> str:
    return (
        f"deployment `{name}` is locked by Scaleway (resource is locked): it cannot be changed or deleted "
        "until Scaleway unlocks it; contact Scaleway support"
    )
