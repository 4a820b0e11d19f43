"""The create protocol holds a write slot for its write calls only, never for its re-reads."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, TypeVar

from infermod.apply.create import create_once
from infermod.plan.records import Deployment, Endpoint
from infermod.scw.gateway import Gateway
from infermod.state import ownership_tags
from tests.conftest import PROJECT, sdk_client
from tests.helpers import create, model_id, owned

T = TypeVar("T")


class Spy:
    """The real gateway, recording each call and whether a write slot was held during it."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway, self.in_slot, self.calls = gateway, False, list[tuple[str, bool]]()

    def write(self, call: Callable[[], T]) -> T:
        self.in_slot = True
        try:
            return call()
        finally:
            self.in_slot = False

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.gateway, name)

        def recorded(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, self.in_slot))
            return method(*args, **kwargs)

        return recorded


def fields(model: str, key: str) -> Deployment:
    return Deployment(
        name=f"s-{key}",
        model="meta/llama-3.1-8b-instruct:fp8",
        model_id=model,
        node_type="L4",
        min_size=1,
        max_size=1,
        quantization=None,
        region="fr-par",
        project_id=PROJECT,
        tags=tuple(ownership_tags("s", key)),
        endpoints=(Endpoint(True, None, False, ""),),
        accept_eula=True,
    )


def test_only_the_create_holds_a_write_slot(emulator, sdk):
    spy = Spy(Gateway(sdk_client(emulator.url)))
    change = SimpleNamespace(region="fr-par", project_id=PROJECT, key="a")
    made = create_once(spy, change, "s", fields(model_id(sdk), "a"), "run1", set(), spy.write)  # type: ignore[arg-type]
    assert made.ours
    assert spy.calls == [
        ("find_deployments", False),
        ("create_deployment", True),
        ("find_deployments", False),
    ]


def test_a_losing_copy_is_deleted_in_a_write_slot(emulator, sdk):
    """Another run's copy that is older (made between this run's re-read and its create)."""
    spy = Spy(Gateway(sdk_client(emulator.url)))
    change = SimpleNamespace(region="fr-par", project_id=PROJECT, key="a")
    original = spy.gateway.create_deployment

    def racing(region: str, project: str, dep: Deployment) -> Any:
        create(sdk, "s-a", owned("s", "a"))  # the other run's create lands first
        return original(region, project, dep)

    spy.gateway.create_deployment = racing  # type: ignore[method-assign]
    made = create_once(spy, change, "s", fields(model_id(sdk), "a"), "run1", set(), spy.write)  # type: ignore[arg-type]
    assert not made.ours and "deleted this run's copy" in (made.note or "")
    assert spy.calls == [
        ("find_deployments", False),
        ("create_deployment", True),
        ("find_deployments", False),
        ("delete_deployment", True),
    ]
