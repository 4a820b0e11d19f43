"""The actual state: what exists in Scaleway, as plain data, and who owns it."""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from infermod.records import Endpoint

STACK_TAG = "infermod:stack="
NAME_TAG = "infermod:name="
CREATE_TAG = "infermod:create="  # one per create request, to find a create whose answer was lost
RUN_TAG = "infermod:run="  # one per apply run: which run made a copy, when two runs race
RESERVED = "infermod:"
# Scaleway's public catalog: its models are listed beside custom ones but are nobody's to
# adopt, change or delete (recorded: GET /models lists them with this project_id)
PUBLIC_PROJECT_ID = "00000000-0000-0000-0000-000000000000"


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
    """As a plan reads it: the deployments of other stacks (or of none) come without
    endpoints and timestamps (scw/listing.py); only the stack's own are read whole."""

    deployments: tuple[ActualDeployment, ...]  # every deployment in the projects read
    models: tuple[ActualModel, ...]  # custom models in the projects read
    regions: tuple[tuple[str, str], ...]  # (region, project) pairs that were read
    # the deployments of the organization's other projects, for the quota check; None when
    # they were not read (no organization id known)
    organization: tuple[ActualDeployment, ...] | None = None
    # regions the API refused to list in (region, what could not be read and why): nothing
    # there is known, so rules/regions.py turns each into a finding
    refused: tuple[tuple[str, str], ...] = ()

    def owned_deployments(self, stack: str) -> list[ActualDeployment]:
        """The stack's deployments: its stack tag and exactly one key."""
        return [d for d in self.deployments if d.stack == stack and d.key is not None]

    def tagged_unmanaged(self, stack: str) -> list[ActualDeployment]:
        """Carrying the stack's tag without a (single) key: not ours to change or delete."""
        return [d for d in self.deployments if d.stack == stack and d.key is None]

    def owned_by_key(self, stack: str) -> dict[str, list[ActualDeployment]]:
        """The stack's live deployments per key, oldest first (more than one is a conflict)."""
        return _live_by_key(self.owned_deployments(stack))

    def owned_models(self, stack: str) -> list[ActualModel]:
        return [m for m in self.models if owns_model_name(stack, m.name)]

    def of_stack(self, stack: str) -> StackState:
        """The state as `stack` sees it, sorted out once (before planning)."""
        owned = self.owned_deployments(stack)
        return StackState(
            stack,
            self,
            tuple(owned),
            _live_by_key(owned),
            tuple(self.owned_models(stack)),
            tuple(self.tagged_unmanaged(stack)),
            self.fingerprint(stack),
            {d.id: d for d in self.deployments if adoptable_deployment(stack, d)},
            {m.id: m for m in self.models if adoptable_model(m)},
        )

    def fingerprint(self, stack: str) -> str:
        """Changes whenever anything the stack owns, or could collide with, changes."""
        parts = sorted(
            [f"d:{d.id}:{d.updated_at}:{d.key}" for d in self.deployments if d.stack == stack]
            + [f"m:{m.id}:{m.updated_at}:{m.status}" for m in self.owned_models(stack)]
        )
        return "sha256:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


class StackState(NamedTuple):
    """The actual state as one stack sees it, sorted out once before planning: the diff and
    the rules read these fields as plain data, and none of them sorts the state out again."""

    stack: str
    everything: ActualState  # all that was read: names others hold, models they use, quotas
    deployments: tuple[ActualDeployment, ...]  # the stack's own: its tag and exactly one key
    by_key: dict[str, list[ActualDeployment]]  # its live deployments per key, oldest first
    models: tuple[ActualModel, ...]  # its custom models
    unmanaged: tuple[ActualDeployment, ...]  # its tag without a single key: not its to change
    fingerprint: str  # ActualState.fingerprint(stack)
    # what a key's `id:` may adopt, by id: the diff adopts from these, and rules/adoption.py
    # says why an `id:` naming anything else cannot stand
    adoptable_deployments: dict[str, ActualDeployment]  # no other stack's tag, nor a key of its own
    adoptable_models: dict[str, ActualModel]  # custom models no stack's name claims


def _live_by_key(owned: list[ActualDeployment]) -> dict[str, list[ActualDeployment]]:
    by_key: dict[str, list[ActualDeployment]] = {}
    for dep in owned:
        if dep.status != "deleting" and dep.key is not None:
            by_key.setdefault(dep.key, []).append(dep)
    return {key: sorted(deps, key=age) for key, deps in by_key.items()}


def tag_value(tags: tuple[str, ...] | list[str], prefix: str) -> str | None:
    """The value of the tag starting with `prefix`; None when there is none, or when tags
    disagree (two stacks, two keys): whatever order the tags come in, the verdict is the same,
    and an ambiguous resource is never taken for anyone's."""
    value = None  # a loop, not a set: called for every deployment read, several times a plan
    for tag in tags:
        if tag.startswith(prefix):
            found = tag[len(prefix) :]
            if value is not None and found != value:
                return None
            value = found
    return value


def age(dep: ActualDeployment) -> tuple[str, str]:
    """Oldest first, then by id: the one order every process agrees on."""
    return (dep.created_at, dep.id)


def ownership_tags(stack: str, key: str) -> list[str]:
    return [f"{STACK_TAG}{stack}", f"{NAME_TAG}{key}"]


def owns_model_name(stack: str, name: str) -> bool:
    """Custom models cannot carry tags at creation: their name proves ownership.
    Names are <stack>--<key>--<8 hex digits>; stacks and keys never contain `--`."""
    parts = name.split("--")
    return len(parts) == 3 and parts[0] == stack and len(parts[2]) == 8 and _is_hex(parts[2])


def adoptable_deployment(stack: str, dep: ActualDeployment) -> bool:
    """No other stack's tag, and of this stack's only the tag without a key: a deployment a
    key's `id:` may adopt."""
    stacks = {t[len(STACK_TAG) :] for t in dep.tags if t.startswith(STACK_TAG)}
    return not (stacks - {stack}) and (not stacks or dep.key is None)


def adoptable_model(model: ActualModel) -> bool:
    """A custom model (not the public catalog's) that no stack's name claims: a model a key's
    `id:` may adopt."""
    return model.project_id != PUBLIC_PROJECT_ID and not claimed_model_name(model.name)


def claimed_model_name(name: str) -> bool:
    """Named as infermod names its imports, for some stack: that stack's, nobody else's."""
    parts = name.split("--")
    return len(parts) == 3 and bool(parts[0]) and bool(parts[1]) and len(parts[2]) == 8 and _is_hex(parts[2])


def model_key(name: str) -> str:
    return name.split("--")[1]


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)
