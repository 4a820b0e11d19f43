"""After an update, apply waits until the deployment serves the new specification: the
recorded blip (`ready` with the update's own updated_at, then `deploying` again) is not the end."""

from __future__ import annotations

import threading
import time

import pytest

from infermod.emulator.store import BLIP
from infermod.scw.gateway import Gateway
from tests.apply.test_waits import deployment, waits
from tests.conftest import ACCESS_KEY, PROJECT, SECRET_KEY, sdk_client, start_emulator, write
from tests.helpers import stack_config


def requests_served(emulator) -> int:
    return sum(emulator.app.stats.values())


def wait_for_polls(emulator, count: int) -> None:
    """Until the emulator has answered `count` more requests (the waiter's polls)."""
    target = requests_served(emulator) + count
    end = time.monotonic() + 30
    while requests_served(emulator) < target and time.monotonic() < end:
        time.sleep(0.02)


def test_a_ready_no_later_than_the_update_is_not_the_end(emulator, sdk, monkeypatch):
    monkeypatch.setenv("INFERMOD_UPDATE_GRACE", "60")
    dep = deployment(sdk, "web")
    w = waits(emulator)
    w.ready("deployment.web", "fr-par", PROJECT, dep, "creating")
    now = [time.time()]
    emulator.app.store.clock = lambda: now[0]  # statuses move only when the test says
    answer = Gateway(sdk_client(emulator.url)).update_deployment("fr-par", dep, name="web-2")
    assert answer.status == "deploying"
    done = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            w.updated("deployment.web", "fr-par", PROJECT, answer, "updating")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    wait_for_polls(emulator, 4)  # every poll saw `ready` with the update's own updated_at
    assert sdk.get_deployment(deployment_id=dep).status == "ready" and not done.is_set()
    now[0] += 0.3 * BLIP + 0.001  # the change for real: `deploying`, a later updated_at
    wait_for_polls(emulator, 3)
    assert sdk.get_deployment(deployment_id=dep).status == "deploying" and not done.is_set()
    now[0] += 0.3  # done: `ready`, later than the update
    assert done.wait(30) and not errors, errors
    emulator.app.store.clock = time.time


def test_an_update_that_never_leaves_ready_ends_after_the_grace(emulator, sdk, monkeypatch):
    monkeypatch.setenv("INFERMOD_UPDATE_GRACE", "0.3")
    dep = deployment(sdk, "web")
    w = waits(emulator)
    w.ready("deployment.web", "fr-par", PROJECT, dep, "creating")
    emulator.app.store.clock = lambda: time.time() - 3600  # frozen before the blip ends
    answer = Gateway(sdk_client(emulator.url)).update_deployment("fr-par", dep, name="web-2")
    w.updated("deployment.web", "fr-par", PROJECT, answer, "updating")  # returns: nothing else comes
    emulator.app.store.clock = time.time


@pytest.fixture
def slow(monkeypatch):
    """An emulator slow enough that the blip and the redeploy are each seen by several polls."""
    running, server = start_emulator(ready_after=2.0)
    for key, value in (
        ("SCW_ACCESS_KEY", ACCESS_KEY),
        ("SCW_SECRET_KEY", SECRET_KEY),
        ("SCW_API_URL", running.url),
        ("SCW_DEFAULT_PROJECT_ID", PROJECT),
        ("INFERMOD_POLL_INTERVAL", "0.02"),
    ):
        monkeypatch.setenv(key, value)
    yield running
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "change",
    ["    name: renamed\n", "    tags: [other]\n", "    size: 2\n"],
)
def test_apply_reports_an_update_done_only_once_it_is_served(slow, cli, tmp_path, change):
    write(tmp_path / "infermod.yaml", stack_config("web"))
    assert cli("apply", "--auto-approve").code == 0
    write(tmp_path / "infermod.yaml", stack_config("web") + change)
    result = cli("apply", "--auto-approve")
    assert result.code == 0, result.out + result.err
    (record,) = slow.app.store.deployments.values()
    assert record["_steps"] == [] and record["status"] == "ready", record  # nothing left to do
    assert cli("plan", "--detailed-exitcode").code == 0
