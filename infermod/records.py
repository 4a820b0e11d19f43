"""What a deployment, its endpoints and a custom model are, as typed records: the plan's payload.

One vocabulary, at the bottom of the house, for the desired side (config/, built from the
configuration), the actual side (state.py, read from Scaleway), `ResourceChange.before/after`
(plan/), the executor and every view. Records compare with
`==`; only `infermod.plan.codec` turns them into dicts (the JSON format in the README).
Fields that exist on one side only default to None and are left out of the JSON when None.
"""

from __future__ import annotations

from typing import NamedTuple

from infermod.secrets import REDACTED

KNOWN_AFTER_APPLY = "(known after apply)"
SENSITIVE = REDACTED  # what a plan shows in place of a secret

# What a field change can hold: a scalar, or a list of tags (as a tuple, so records stay hashable).
Value = str | int | bool | None | tuple[str, ...]


class Endpoint(NamedTuple):
    """An endpoint of a deployment; one per network, so the network identifies it."""

    public: bool
    private_network_id: str | None
    disable_auth: bool
    url: str | None = None  # known only for an endpoint that exists

    @property
    def network(self) -> str:
        return "public" if self.public else f"private:{self.private_network_id}"

    @property
    def label(self) -> str:
        """How every view names it."""
        return network_label(self.network)


def network_label(network: str) -> str:
    if network == "public":
        return "public endpoint"
    return f"endpoint on private network {network.split(':', 1)[1]}"


class Deployment(NamedTuple):
    name: str
    model: str  # a model name, or KNOWN_AFTER_APPLY for a custom model not imported yet
    model_id: str | None  # None only in hand-made plans; KNOWN_AFTER_APPLY until imported
    node_type: str
    min_size: int
    max_size: int
    quantization: int | None
    region: str
    project_id: str
    tags: tuple[str, ...]  # the user's tags, sorted; never the ownership tags
    endpoints: tuple[Endpoint, ...]
    accept_eula: bool | None = None  # desired side only
    id: str | None = None  # actual side only
    status: str | None = None  # actual side only


class Model(NamedTuple):
    """A custom model (imported from Hugging Face)."""

    name: str
    region: str
    project_id: str
    id: str | None = None  # actual side only
    status: str | None = None  # actual side only
    source: str | None = None  # desired side only: the Hugging Face URL
    has_secret: bool | None = None  # desired side only: whether a token is used (never the token)
    type: str | None = None  # desired side only: chat | embedding
    api: str | None = None  # desired side only


Payload = Deployment | Model

# The fields a deployment update compares (endpoints are compared one by one, ids never).
COMPARED = (
    "name",
    "model",
    "node_type",
    "min_size",
    "max_size",
    "quantization",
    "region",
    "project_id",
    "tags",
)


def compared_values(dep: Deployment) -> dict[str, Value]:
    return {f: getattr(dep, f) for f in COMPARED}
