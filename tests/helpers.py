"""Small helpers for tests that build deployments through the SDK."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from scaleway.inference.v1 import EndpointPublicNetworkDetails, EndpointSpec

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
RECORDINGS = ROOT.parent / "shared" / "api-recordings"  # real API traffic; absent outside the workspace
LLAMA = "meta/llama-3.1-8b-instruct:fp8"
PUBLIC_PROJECT = "00000000-0000-0000-0000-000000000000"  # the catalog's models live there

# one small public deployment of the catalog's Llama, the tests' usual resource
SMALL_LLAMA = (
    f"    model: {LLAMA}\n    node_type: L4\n    accept_eula: true\n    endpoints: [{{public: true}}]\n"
)

# a stack with a custom model (ft) and two deployments: one of the catalog, one of ft
TWO = """\
version: 1
stack: shop
models:
  ft: {source: https://huggingface.co/acme/support-bot-8b, type: chat}
deployments:
  chat:
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: L4
    accept_eula: true
    endpoints: [{public: true}]
    tags: [a]
  bot:
    model: ft
    node_type: L40S
    endpoints: [{public: true}, {private_network_id: 44444444-4444-4444-8444-444444444444, disable_auth: true}]
"""


def stack_config(*keys: str, stack: str = "shop", region: str | None = None) -> str:
    """A configuration with one small public Llama deployment under each key."""
    where = f"    region: {region}\n" if region else ""
    return f"version: 1\nstack: {stack}\ndeployments:\n" + "".join(
        f"  {key}:\n{where}{SMALL_LLAMA}" for key in keys
    )


def many(n: int, region: str = "fr-par") -> str:
    """Deployments d0 .. d(n-1), each in `region`."""
    return stack_config(*(f"d{i}" for i in range(n)), region=region)


def model_id(sdk: Any, name: str = LLAMA, region: str = "fr-par") -> str:
    # the SDK always sends a project filter (the client's default project when none is
    # given), so catalog models are listed by asking for their own project
    return next(m.id for m in sdk.list_models_all(region=region, project_id=PUBLIC_PROJECT) if m.name == name)


def create(
    sdk: Any,
    name: str,
    tags: list[str],
    region: str = "fr-par",
    node_type: str = "L4",
    model: str = LLAMA,
    size: int = 1,
    project_id: str | None = None,
) -> Any:
    return sdk.create_deployment(
        region=region,
        project_id=project_id,
        model_id=model_id(sdk, model, region),
        node_type_name=node_type,
        endpoints=[EndpointSpec(disable_auth=False, public_network=EndpointPublicNetworkDetails())],
        name=name,
        accept_eula=True,
        min_size=size,
        max_size=size,
        tags=tags,
    )


def owned(stack: str, key: str) -> list[str]:
    return [f"infermod:stack={stack}", f"infermod:name={key}"]


def settled_model(sdk: Any, model_id: str, timeout: float = 10.0) -> Any:
    """Poll quickly until an import ends (the SDK's waiter sleeps at least a second a poll)."""
    deadline = time.monotonic() + timeout
    while (model := sdk.get_model(model_id=model_id)).status in ("preparing", "downloading"):
        assert time.monotonic() < deadline, model.status
        time.sleep(0.03)
    return model
