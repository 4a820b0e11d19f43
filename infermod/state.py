"""The actual state: what exists in Scaleway, as plain data, and who owns it."""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from infermod.plan.records import Endpoint

STACK_TAG = "infermod:stack="
NAME_TAG = "infermod:name="
CREATE_TAG = "infermod:create="  # one per create request, to find a create whose answer was lost
RESERVED = "infermod:"


class ActualEndpoint(NamedTuple):
    id: str
    public: bool
    private_network_id: str | None
    disable_auth: bool
    url: str

    @property
    def record(self) -> Endpoint:
        return Endpoint(self.public, self.private_network_id, self.disable_auth, self.url)

    @property
    def network(self) -> str:
        return self.record.network


class ActualDeployment(NamedTuple):
    id: str
    name: str
    region: str
    project_id: str
    status: str
    tags: tuple[str, ...]
    node_type: str
    model_id: str
    model_name: str
    min_size: int
    max_size: int
    size: int
    quantization: int | None
    endpoints: tuple[ActualEndpoint, ...]
    error_message: str | None
    created_at: str
    updated_at: str

    @property
    def stack(self) -> str | None:
        return tag_value(self.tags, STACK_TAG)

    @property
    def key(self) -> str | None:
        return tag_value(self.tags, NAME_TAG)

    @property
    def user_tags(self) -> tuple[str, ...]:
        return tuple(t for t in self.tags if not t.startswith(RESERVED))


class ActualModel(NamedTuple):
    id: str
    name: str
    region: str
    project_id: str
    status: str
    error_message: str | None
    updated_at: str


class ActualState(NamedTuple):
    deployments: tuple[ActualDeployment, ...]  # every deployment in the projects read
    models: tuple[ActualModel, ...]  # custom models in the projects read
    regions: tuple[tuple[str, str], ...]  # (region, project) pairs that were read
    # the deployments of the organization's other projects, for the quota check; None when
    # they were not read (no organization id known)
    organization: tuple[ActualDeployment, ...] | None = None

    def owned_deployments(self, stack: str) -> list[ActualDeployment]:
        return [d for d in self.deployments if d.stack == stack]

    def owned_models(self, stack: str) -> list[ActualModel]:
        return [m for m in self.models if owns_model_name(stack, m.name)]

    def fingerprint(self, stack: str) -> str:
        """Changes whenever anything the stack owns, or could collide with, changes."""
        parts = sorted(
            [f"d:{d.id}:{d.updated_at}:{d.stack}" for d in self.deployments if d.stack == stack]
            + [f"m:{m.id}:{m.updated_at}:{m.status}" for m in self.owned_models(stack)]
        )
        return "sha256:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def tag_value(tags: tuple[str, ...] | list[str], prefix: str) -> str | None:
    return next((t[len(prefix) :] for t in tags if t.startswith(prefix)), None)


def ownership_tags(stack: str, key: str) -> list[str]:
    return [f"{STACK_TAG}{stack}", f"{NAME_TAG}{key}"]


def owns_model_name(stack: str, name: str) -> bool:
    """Custom models cannot carry tags at creation: their name proves ownership.
    Names are <stack>--<key>--<8 hex digits>; stacks and keys never contain `--`."""
    parts = name.split("--")
    return len(parts) == 3 and parts[0] == stack and len(parts[2]) == 8 and _is_hex(parts[2])


def model_key(name: str) -> str:
    return name.split("--")[1]


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)
