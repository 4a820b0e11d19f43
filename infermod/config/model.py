"""The desired configuration as plain, immutable data."""

from __future__ import annotations

from typing import NamedTuple

from infermod.config.digest import config_digest
from infermod.config.locations import Locations
from infermod.findings import Location
from infermod.limits import Timeouts
from infermod.records import Endpoint
from infermod.secrets import Secret

CHAT_API = "/v1/chat/completions"
EMBEDDINGS_API = "/v1/embeddings"


# A desired endpoint is the plan's Endpoint record (its url unknown): one vocabulary for both sides.
EndpointSpec = Endpoint


class Lifecycle(NamedTuple):
    prevent_destroy: bool = False
    create_before_destroy: bool = False


class ModelSpec(NamedTuple):
    key: str
    name: str  # name in Scaleway: <stack>--<key>--<digest of source>, see ownership in README
    repo_id: str  # Hugging Face ORG/NAME; "" for an adopted model written without `source`
    secret: Secret | None
    type: str
    region: str
    project_id: str | None
    location: Location | None
    timeouts: Timeouts = Timeouts()  # the import's own limit (infermod/limits.py)
    # an existing custom model this key adopts (`id:`): models cannot be tagged or renamed, so
    # this line of the configuration is the stack's record that it owns that model
    id: str | None = None

    @property
    def address(self) -> str:
        return f"model.{self.key}"

    @property
    def source_url(self) -> str:
        return f"https://huggingface.co/{self.repo_id}"

    @property
    def api(self) -> str:
        return EMBEDDINGS_API if self.type == "embedding" else CHAT_API


class DeploymentSpec(NamedTuple):
    key: str
    name: str
    model: str  # a key under models: (custom=True) or a catalog model name
    custom: bool
    node_type: str
    min_size: int
    max_size: int
    quantization: int | None
    context_size: int | None
    features: tuple[str, ...]
    accept_eula: bool
    region: str
    project_id: str | None
    endpoints: tuple[EndpointSpec, ...]
    tags: tuple[str, ...]
    lifecycle: Lifecycle
    location: Location | None
    timeouts: Timeouts = Timeouts()  # each operation's own limit (infermod/limits.py)
    id: str | None = None  # an existing deployment the next apply adopts instead of creating one

    @property
    def address(self) -> str:
        return f"deployment.{self.key}"


class Protected:
    """Keys with lifecycle.prevent_destroy (their own or the default's) and, under the
    stack-wide default, every key the configuration does not declare."""

    def __init__(self, keys: frozenset[str], declared: frozenset[str] | None = None) -> None:
        self.keys = keys
        self.declared = declared  # None: no stack-wide default

    def __contains__(self, key: object) -> bool:
        return key in self.keys or (self.declared is not None and key not in self.declared)


class Config(NamedTuple):
    stack: str
    files: tuple[str, ...]
    models: tuple[ModelSpec, ...]
    deployments: tuple[DeploymentSpec, ...]
    locations: Locations  # dotted field path -> where it is written (config/locations.py)
    sensitive_values: tuple[Secret, ...]  # every value that must never be printed
    variables: tuple[tuple[str, Location], ...] = ()  # each `${NAME}` a value reads, and where
    # defaults.lifecycle.prevent_destroy: stack-wide, so it also guards a deployment whose key
    # was removed from the configuration (its own block, and any prevent_destroy: false, gone)
    prevent_destroy_default: bool = False

    def protected(self) -> Protected:
        """The keys whose deployments are never deleted (apply's guard and sweep ask it)."""
        declared = frozenset(d.key for d in self.deployments) if self.prevent_destroy_default else None
        return Protected(frozenset(d.key for d in self.deployments if d.lifecycle.prevent_destroy), declared)

    @property
    def digest(self) -> str:
        """The digest of everything a plan depends on (config/digest.py), worked out when read."""
        return config_digest(self)

    @property
    def projects(self) -> frozenset[str | None]:
        """The project ids its resources name; None where one falls back to the default project."""
        return frozenset(d.project_id for d in self.deployments) | {m.project_id for m in self.models}

    def model(self, key: str) -> ModelSpec | None:
        return next((m for m in self.models if m.key == key), None)

    def where(self, field: str) -> Location | None:
        """The location of a field, or of its nearest written ancestor."""
        parts = field.split(".")
        while parts:
            loc = self.locations.get(".".join(parts))
            if loc is not None:
                return loc
            parts.pop()
        return None
