"""Digests of a configuration: one per declared resource, and one of the whole.

Worked out only when read (`Config.digest`): a saved plan, a JSON or markdown view, and apply's
check that a saved plan still holds need one; an unchanged plan shown as text does not, and at
20,000 deployments the digest was a tenth of the load (issue 25).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from infermod.secrets import Secret


class Declared(Protocol):
    """A declared resource (config/model.py's ModelSpec or DeploymentSpec) as a digest reads it:
    config/model.py imports this module, so this one names none of its types."""

    @property
    def address(self) -> str: ...

    def _asdict(self) -> dict[str, Any]: ...


class Declaring(Protocol):
    """A configuration (config/model.py's Config) as a digest reads it."""

    @property
    def stack(self) -> str: ...

    @property
    def models(self) -> Sequence[Declared]: ...

    @property
    def deployments(self) -> Sequence[Declared]: ...


def _plain(value: Any) -> Any:
    if isinstance(value, Secret):
        return {"secret_digest": value.digest()}
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items() if k != "location"}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def resource_digests(config: Declaring) -> dict[str, str]:
    """One digest per declared resource; a secret counts through its salted digest."""
    import hashlib  # OpenSSL's: loaded only by a command that reads a digest (validate never)

    resources: list[Declared] = [*config.models, *config.deployments]
    return {
        r.address: hashlib.sha256(json.dumps(_plain(r), sort_keys=True).encode()).hexdigest()
        for r in resources
    }


def config_digest(config: Declaring) -> str:
    """Digest of everything a plan depends on."""
    import hashlib

    body = {"stack": config.stack, "resources": resource_digests(config)}
    return "sha256:" + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
