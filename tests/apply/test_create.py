"""The create protocol: a write slot for its write calls only, never for its re-reads; one
read of the stack per batch of creates and one page of the key's copies per create; one copy
when two runs race, also when lists lag behind creates."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any, TypeVar

import pytest
from scaleway_core.api import ScalewayException

from infermod.apply import create as create_module
from infermod.apply.create import Created, StackReads, create_once
from infermod.records import Deployment, Endpoint
from infermod.scw.gateway import Gateway
from infermod.state import ownership_tags
from tests.conftest import PROJECT, Running, sdk_client, start_emulator
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


LIST = "GET /inference/v1/regions/{region}/deployments"


def lists(emulator: Running) -> int:
    return int(emulator.stats()["routes"].get(LIST, 0))


def test_a_batch_of_creates_reads_the_stack_once_and_one_page_per_key(emulator, sdk):
    """250 deployments of the stack already (three pages of 100): creating five more costs
    one read of the stack for the batch, then one page of each key's own copies."""
    for i in range(250):
        create(sdk, f"s-old{i}", owned("s", f"old{i}"))
    gateway = Gateway(sdk_client(emulator.url))
    gateway.page_size = 100  # the stack's read takes pages; each key's copies still one
    reads = StackReads(gateway, "s", fresh=60.0)
    model = model_id(sdk)
    emulator.reset_stats()

    def one(key: str) -> Created:
        change = SimpleNamespace(region="fr-par", project_id=PROJECT, key=key)
        return create_once(gateway, change, "s", fields(model, key), "run1", set(), _direct, reads)

    with ThreadPoolExecutor(5) as pool:
        made = list(pool.map(one, [f"new{i}" for i in range(5)]))
    assert all(m.ours for m in made)
    stats = emulator.stats()["routes"]
    assert stats["POST /inference/v1/regions/{region}/deployments"] == 5
    assert reads.count == 1
    pages_of_the_stack = 3  # 250 deployments, 100 a page
    assert stats[LIST] == pages_of_the_stack + 5


def test_a_stale_read_is_made_again_and_a_failed_one_is_not_kept(emulator, sdk):
    now = [0.0]
    gateway = Gateway(sdk_client(emulator.url))
    reads = StackReads(gateway, "s", fresh=2.0, clock=lambda: now[0])
    reads.get("fr-par", PROJECT)
    now[0] = 1.5
    reads.get("fr-par", PROJECT)
    assert reads.count == 1
    now[0] = 3.0
    reads.get("fr-par", PROJECT)
    assert reads.count == 2
    broken = StackReads(gateway, "s", clock=lambda: now[0])
    with pytest.raises(ScalewayException, match="unknown region"):
        broken.get("xx-nope", PROJECT)
    with pytest.raises(ScalewayException, match="unknown region"):
        broken.get("xx-nope", PROJECT)
    assert broken.count == 2  # a failure is never served again


def test_concurrent_callers_share_the_read_in_flight(emulator):
    gateway = Gateway(sdk_client(emulator.url))
    reads = StackReads(gateway, "s", fresh=0.0)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: reads.get("fr-par", PROJECT), range(8)))
    assert 1 <= reads.count < 8


def _direct(call: Callable[[], T]) -> T:
    return call()


def _race(url: str, model: str) -> list[Created]:
    """Two runs (two gateways, their own reads) create the same key at the same moment: both
    have read the stack before either creates."""
    both_read = threading.Barrier(2)
    local = threading.local()

    def write(call: Callable[[], T]) -> T:
        if not getattr(local, "created", False):  # the create, not a loser's delete
            local.created = True
            both_read.wait(timeout=10)
        return call()

    def one_run(run_id: str) -> Created:
        gateway = Gateway(sdk_client(url))
        change = SimpleNamespace(region="fr-par", project_id=PROJECT, key="a")
        return create_once(gateway, change, "s", fields(model, "a"), run_id, set(), write)

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(one_run, ["run1", "run2"]))


def _live_copies(sdk: Any) -> list[str]:
    found = sdk.list_deployments_all(region="fr-par", project_id=PROJECT, tags=["infermod:name=a"])
    return [d.id for d in found if str(d.status) != "deleting"]


@pytest.fixture
def lagging() -> Any:
    running, server = start_emulator(list_lag=0.6)
    yield running
    server.shutdown()
    server.server_close()


def test_two_runs_racing_leave_one_copy_when_lists_lag(lagging):
    from scaleway.inference.v1 import InferenceV1API

    sdk = InferenceV1API(sdk_client(lagging.url))
    made = _race(lagging.url, model_id(sdk))
    winners = {m.deployment.id for m in made}
    assert len(winners) == 1
    assert sorted(m.ours for m in made) == [False, True]
    time.sleep(0.8)  # past the lag: the list shows every copy
    assert _live_copies(sdk) == list(winners)


def test_without_waiting_for_its_own_copy_a_lagging_list_leaves_two(lagging, monkeypatch):
    """The emulator's lag is real: a protocol deciding on its first re-read keeps both."""
    from scaleway.inference.v1 import InferenceV1API

    monkeypatch.setattr(create_module, "VISIBLE_WITHIN", 0.0)
    sdk = InferenceV1API(sdk_client(lagging.url))
    made = _race(lagging.url, model_id(sdk))
    assert all(m.ours for m in made)
    time.sleep(0.8)
    assert len(_live_copies(sdk)) == 2
