"""The create protocol: a write slot for its write calls only, never for its re-reads; one
read of the stack per batch of creates and one page of the key's copies per create; one copy
when two runs race, also when lists lag behind creates."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any, TypeVar

import pytest
from scaleway_core.api import ScalewayException

from infermod.apply import create as create_module
from infermod.apply.create import ConcurrentDestroy, Created, StackReads, create_once
from infermod.apply.waits import Failed
from infermod.emulator import store as emulator_store
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


@pytest.fixture(params=["ascending", "descending"])
def ids(request: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """The emulator's new ids in a known order, so that a test meets both: an older copy whose
    id sorts before a newer one's, and one whose id sorts after it (the protocol orders copies
    by age, never by id alone)."""
    numbers = iter(range(1, 1000)) if request.param == "ascending" else iter(range(999, 0, -1))
    monkeypatch.setattr(emulator_store, "uuid", SimpleNamespace(uuid4=lambda: uuid.UUID(int=next(numbers))))
    return str(request.param)


def test_a_losing_copy_is_deleted_in_a_write_slot(emulator, sdk, ids):
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


class Unlisted:
    """The real gateway, whose lists leave out the copies this run created (a list lagging
    behind its own creates), for the first `reads` lists of one key's copies (all of them by
    default); each such list is counted, and calls `each_list`."""

    def __init__(self, gateway: Gateway, reads: int = 10**6) -> None:
        self.gateway, self.hidden, self.reads, self.lists = gateway, set[str](), reads, 0
        self.each_list: Callable[[], object] = lambda: None

    def create_deployment(self, *args: Any) -> Any:
        made = self.gateway.create_deployment(*args)
        self.hidden.add(made.id)
        return made

    def find_deployments(self, region: str, project: str, tags: list[str]) -> Any:
        found = self.gateway.find_deployments(region, project, tags)
        if len(tags) == 1:  # the stack's read, before the create
            return found
        self.lists += 1
        self.each_list()
        return [d for d in found if d.id not in self.hidden or self.lists > self.reads]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.gateway, name)


def test_a_copy_made_after_this_runs_own_is_never_preferred_while_its_own_is_not_listed(emulator, sdk, ids):
    """The list shows another run's copy made after this run's, not yet this run's own (and the
    run is stopped, so it decides with what is listed): its own copy still counts, by age, and
    is kept; the other run, which lists both, deletes its own."""
    gateway = Unlisted(Gateway(sdk_client(emulator.url)))
    change = SimpleNamespace(region="fr-par", project_id=PROJECT, key="a")
    later: list[Any] = []

    def write(call: Callable[[], T]) -> T:
        made = call()
        later.append(create(sdk, "s-a", owned("s", "a")))  # the other run's create lands next
        return made

    made = create_once(
        gateway, change, "s", fields(model_id(sdk), "a"), "run1", set(), write, pause=lambda _: True
    )  # type: ignore[arg-type]
    assert made.ours and made.deployment.id != later[0].id and made.note is None
    assert {d.id for d in sdk.list_deployments_all() if d.status != "deleting"} == {
        made.deployment.id,
        later[0].id,
    }


@pytest.mark.parametrize(("cost", "last"), [(0.0, 2.25), (0.125, 0.875)])
def test_the_re_reads_double_their_pauses_up_to_4_s_for_30_s_then_decide(
    emulator, sdk, ids, monkeypatch, cost, last
):
    """This run's copy never shows in the list; the key's old copy that this run replaces does,
    being deleted (its id sorting before or after the new one's). The key's copies are re-read
    after 0.25 s, then doubling pauses at most 4 s apart, for VISIBLE_WITHIN = 30 s in all (on
    a clock that the pauses advance, and each list by `cost`: the last pause is what is left of
    the 30 s, then one more list); then the run decides: its own copy, the only live one."""
    old = create(sdk, "s-a", owned("s", "a"))
    while sdk.get_deployment(deployment_id=old.id).status != "ready":
        time.sleep(0.05)
    emulator.app.store.ready_after = 30.0  # from now on a deletion lasts 12 s: old stays listed
    sdk.delete_deployment(deployment_id=old.id)
    clock = [0.0]
    monkeypatch.setattr(create_module, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    gateway = Unlisted(Gateway(sdk_client(emulator.url)))
    gateway.each_list = lambda: clock.__setitem__(0, clock[0] + cost)
    change = SimpleNamespace(region="fr-par", project_id=PROJECT, key="a")
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        clock[0] += seconds
        assert len(pauses) < 100, "re-reads that never end"

    made = create_once(
        gateway, change, "s", fields(model_id(sdk), "a"), "run1", {old.id}, _direct, pause=pause
    )  # type: ignore[arg-type]
    assert made.ours and made.note is None
    assert pauses == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, last]
    assert sum(pauses) + cost * gateway.lists == 30.0 + cost and gateway.lists == len(pauses) + 1
    assert sdk.get_deployment(deployment_id=old.id).status == "deleting"


def test_the_re_reads_stop_as_soon_as_this_runs_copy_is_listed(emulator, sdk):
    gateway = Unlisted(Gateway(sdk_client(emulator.url)), reads=2)
    change = SimpleNamespace(region="fr-par", project_id=PROJECT, key="a")
    pauses: list[float] = []
    made = create_once(
        gateway, change, "s", fields(model_id(sdk), "a"), "run1", set(), _direct, pause=pauses.append
    )  # type: ignore[arg-type]
    assert made.ours and pauses == [0.25, 0.5] and gateway.lists == 3


@pytest.mark.parametrize("extra", ["infermod:stack=t", "infermod:name=b"])
def test_a_copy_carrying_two_stacks_or_two_keys_tags_is_no_copy_of_the_key(emulator, sdk, ids, extra):
    """An older deployment with this stack's and this key's tags, and another stack's or key's
    tag too: whose it is cannot be told, so it is neither adopted nor counted against this
    run's copy (which is kept, and the ambiguous one left as it is)."""
    ambiguous = create(sdk, "both", [*owned("s", "a"), extra])
    gateway = Gateway(sdk_client(emulator.url))
    change = SimpleNamespace(region="fr-par", project_id=PROJECT, key="a")
    made = create_once(gateway, change, "s", fields(model_id(sdk), "a"), "run1", set(), _direct)  # type: ignore[arg-type]
    assert made.ours and made.deployment.id != ambiguous.id and made.note is None
    assert sorted(d.id for d in sdk.list_deployments_all() if d.status != "deleting") == sorted(
        [ambiguous.id, made.deployment.id]
    )


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
    """A read serves the creates that start within 2 s of it (FRESH), 2 s included."""
    now = [100.0]
    gateway = Gateway(sdk_client(emulator.url))
    reads = StackReads(gateway, "s", clock=lambda: now[0])
    reads.get("fr-par", PROJECT)
    for now[0] in (101.5, 102.0):
        reads.get("fr-par", PROJECT)
    assert reads.count == 1
    now[0] = 102.01
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


def test_of_two_copies_found_before_creating_the_oldest_is_adopted(emulator, sdk, ids):
    """Two copies of the key (an interrupted run's duplicate) exist when this run looks: it
    creates nothing and adopts the oldest, whichever way the ids sort."""
    first, second = create(sdk, "s-a", owned("s", "a")), create(sdk, "s-a", owned("s", "a"))
    gateway = Gateway(sdk_client(emulator.url))
    change = SimpleNamespace(region="fr-par", project_id=PROJECT, key="a")
    made = create_once(gateway, change, "s", fields(model_id(sdk), "a"), "run1", set(), _direct)  # type: ignore[arg-type]
    assert not made.ours and made.deployment.id == first.id != second.id
    assert made.note == f"another run created it first ({first.id}): adopted, nothing created"


def test_a_failed_re_read_after_the_create_names_what_was_created(emulator, sdk):
    gateway = Unlisted(Gateway(sdk_client(emulator.url)))

    def unavailable() -> None:
        raise ScalewayException(SimpleNamespace(status_code=503, json=lambda: {}, text="busy"))  # type: ignore[arg-type]

    gateway.each_list = unavailable
    change = SimpleNamespace(region="fr-par", project_id=PROJECT, key="a")
    with pytest.raises(Failed) as failed:
        create_once(gateway, change, "s", fields(model_id(sdk), "a"), "run1", set(), _direct)  # type: ignore[arg-type]
    (made,) = [d.id for d in sdk.list_deployments_all()]
    assert failed.value.resource_id == made
    assert str(failed.value).startswith(
        f"created as {made}, then could not check for a copy made by another run: "
    )


@pytest.mark.parametrize("winner_status", ["ready", "creating"])
def test_a_losing_copy_being_deleted_beside_its_winner_is_no_destroy(emulator, sdk, winner_status):
    """Key a: a copy, ready or still being created, and another run's losing copy of it being
    deleted. Nobody is destroying the stack: creating key b goes ahead. With a's copies all
    being deleted, it does not. A copy still being created keeps its key live as a ready
    one does."""
    if winner_status == "creating":
        emulator.app.store.ready_after = 30.0  # the copies stay `creating` for 15 s
    winner, loser = create(sdk, "s-a", owned("s", "a")), create(sdk, "s-a", owned("s", "a"))
    while sdk.get_deployment(deployment_id=winner.id).status != winner_status:
        time.sleep(0.05)
    emulator.app.store.ready_after = 30.0  # from now on a deletion lasts 12 s
    sdk.delete_deployment(deployment_id=loser.id)
    assert sdk.get_deployment(deployment_id=winner.id).status == winner_status
    gateway = Gateway(sdk_client(emulator.url))
    change = SimpleNamespace(region="fr-par", project_id=PROJECT, key="b")
    made = create_once(gateway, change, "s", fields(model_id(sdk), "b"), "run1", set(), _direct)  # type: ignore[arg-type]
    assert made.ours
    sdk.delete_deployment(deployment_id=winner.id)
    change = SimpleNamespace(region="fr-par", project_id=PROJECT, key="c")
    with pytest.raises(ConcurrentDestroy, match=r"deleting this stack's deployment\.a "):
        create_once(gateway, change, "s", fields(model_id(sdk), "c"), "run1", set(), _direct)  # type: ignore[arg-type]
