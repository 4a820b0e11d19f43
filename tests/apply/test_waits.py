"""Waits during an apply, on real deployments in the emulator: each ends in the state waited
for, or fails at once with the words the report shows (locked, error, gone, --timeout, Ctrl-C)."""

from __future__ import annotations

import io
import threading
import time

import pytest

from infermod.apply.poller import Schedule
from infermod.apply.progress import Progress
from infermod.apply.waits import Failed, Interrupted, Waits
from infermod.scw.gateway import Gateway
from infermod.scw.statuses import locked_message
from tests.conftest import PROJECT, sdk_client
from tests.helpers import create, owned

FAST = Schedule(0.05, 0.1)


def waits(emulator, timeout: float = 10.0, stop: threading.Event | None = None) -> Waits:
    gateway = Gateway(sdk_client(emulator.url))
    return Waits(
        gateway, "shop", FAST, stop or threading.Event(), Progress(io.StringIO(), live=False), timeout
    )


def deployment(sdk, key: str):
    return create(sdk, key, owned("shop", key)).id


def test_ready_and_gone_end_when_the_deployment_gets_there(emulator, sdk):
    dep = deployment(sdk, "web")
    w = waits(emulator)
    w.ready("deployment.web", "fr-par", PROJECT, dep, "creating")
    assert sdk.get_deployment(deployment_id=dep).status == "ready"
    sdk.delete_deployment(deployment_id=dep)
    w.gone("deployment.web", "fr-par", PROJECT, dep)
    assert [d.id for d in sdk.list_deployments_all()] == []


def test_final_statuses_fail_at_once_instead_of_running_into_the_timeout(emulator, sdk):
    locked, broken, vanished = (deployment(sdk, k) for k in ("locked", "broken", "vanished"))
    store = emulator.app.store
    store.set_status(locked, "locked")
    store.set_status(broken, "error")
    store.set_status(vanished, "deleted")
    w = waits(emulator, timeout=30.0)
    started = time.monotonic()
    with pytest.raises(Failed) as info:
        w.ready("deployment.locked", "fr-par", PROJECT, locked, "creating")
    assert str(info.value) == locked_message("locked")
    with pytest.raises(Failed, match=rf"^deployment {broken} is in error: no message from the API$"):
        w.ready("deployment.broken", "fr-par", PROJECT, broken, "creating")
    w.ready("deployment.broken", "fr-par", PROJECT, broken, "", settle_only=True)  # settled: may be changed
    with pytest.raises(Failed, match=rf"^deployment {vanished} disappeared$"):
        w.ready("deployment.vanished", "fr-par", PROJECT, vanished, "creating")
    assert time.monotonic() - started < 15  # far from the 30 s timeout: nothing waited for it


def test_the_timeout_and_ctrl_c_end_a_wait_saying_it_goes_on_in_scaleway(emulator, sdk):
    emulator.app.store.ready_after = 60.0
    dep = deployment(sdk, "slow")
    with pytest.raises(Failed, match=r"^still creating after 0s \(--timeout\); it goes on in Scaleway"):
        waits(emulator, timeout=0.3).ready("deployment.slow", "fr-par", PROJECT, dep, "creating")
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    with pytest.raises(
        Interrupted, match=r"^creating; it goes on in Scaleway and the next plan will see it$"
    ):
        waits(emulator, stop=stop).ready("deployment.slow", "fr-par", PROJECT, dep, "creating")


def test_poll_reads_until_the_caller_is_done_or_the_time_limit(emulator, sdk):
    dep = deployment(sdk, "web")
    gateway = Gateway(sdk_client(emulator.url))
    w = waits(emulator, timeout=30.0)
    w.ready("deployment.web", "fr-par", PROJECT, dep, "creating")
    reads = []
    for read in w.poll("model.ft", lambda: gateway.get_deployment("fr-par", dep)):
        reads.append(read.status)
        if read.status == "ready":
            break  # the caller is done: no further read
    assert reads == ["ready"]
    with pytest.raises(Failed, match=r"^still ready after 0s \(--timeout\)"):
        for _ in waits(emulator, timeout=0.2).poll("model.ft", lambda: gateway.get_deployment("fr-par", dep)):
            pass
    stop = threading.Event()
    stop.set()
    with pytest.raises(Interrupted, match=r"^importing; it goes on"):
        next(waits(emulator, stop=stop).poll("model.ft", lambda: None, "importing"))
