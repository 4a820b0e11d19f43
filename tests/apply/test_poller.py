"""Readiness waits: one poller per region, no write slot held while waiting."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infermod.apply.poller import RegionPoller, Schedule, Stopped, TimedOut, schedule
from infermod.state import ActualDeployment
from tests.conftest import start_emulator, write
from tests.helpers import many


def dep(dep_id: str, status: str) -> ActualDeployment:
    return ActualDeployment(
        id=dep_id,
        name=dep_id,
        region="fr-par",
        project_id="p",
        status=status,
        tags=(),
        node_type="L4",
        model_id="m",
        model_name="m",
        min_size=1,
        max_size=1,
        size=1,
        quantization=8,
        endpoints=(),
        error_message=None,
        created_at="",
        updated_at="",
    )


class FakeRegion:
    """A region whose deployments are `creating` for `polls` lists once every waiter has
    registered (`all_waiting`), then ready."""

    def __init__(self, ids: list[str], polls: int, all_waiting: Callable[[], bool] = lambda: True) -> None:
        self.ids, self.polls, self.all_waiting = ids, polls, all_waiting
        self.calls = self.counted = 0

    def list(self, *_: object) -> list[ActualDeployment]:
        self.calls += 1
        self.counted += 1 if self.all_waiting() else 0
        status = "ready" if self.counted > self.polls else "creating"
        return [dep(i, status) for i in self.ids]


def ready(d: ActualDeployment | None) -> bool:
    return d is None or d.status == "ready"


@pytest.mark.parametrize("waiting", [1, 60])
def test_one_list_per_poll_whatever_the_number_waiting(waiting):
    ids = [f"d{i}" for i in range(waiting)]
    region = FakeRegion(ids, polls=3, all_waiting=lambda: len(poller.watches) == waiting)
    poller = RegionPoller(region.list, Schedule(0.05, 0.05), threading.Event())
    seen: dict[str, list[str]] = {i: [] for i in ids}
    with ThreadPoolExecutor(max_workers=waiting) as pool:
        results = list(pool.map(lambda i: poller.wait(i, ready, 30, seen[i].append), ids))
    assert [r.status for r in results if r] == ["ready"] * waiting
    assert region.calls == poller.polls
    assert region.counted <= 5  # 4 lists serve them all; a GET each would make 4 x waiting
    assert all(s[0] == "creating" and s[-1] == "ready" for s in seen.values())  # progress fed
    assert poller.thread is None or not poller.thread.is_alive() or not poller.watches


def test_absent_from_the_list_is_gone():
    poller = RegionPoller(lambda _: [], Schedule(0.01, 0.01), threading.Event())
    assert poller.wait("x", lambda d: d is None, 5) is None


def test_a_failed_list_fails_every_waiter():
    def broken(*_: object) -> list[ActualDeployment]:
        raise RuntimeError("503 service_unavailable")

    poller = RegionPoller(broken, Schedule(0.05, 0.05), threading.Event())
    with ThreadPoolExecutor(max_workers=5) as pool:
        futures = [pool.submit(poller.wait, f"d{i}", ready, 5) for i in range(5)]
        for future in futures:
            with pytest.raises(RuntimeError, match="503"):
                future.result()


def test_timeout_and_stop():
    region = FakeRegion(["a"], polls=10**6)
    stop = threading.Event()
    poller = RegionPoller(region.list, Schedule(0.02, 0.02), stop)
    with pytest.raises(TimedOut) as info:
        poller.wait("a", ready, 0.3)
    assert info.value.last is not None and info.value.last.status == "creating"
    threading.Timer(0.2, stop.set).start()
    with pytest.raises(Stopped):
        poller.wait("a", ready, 30)


@given(st.floats(0.01, 10), st.floats(0, 10), st.floats(0, 100_000), st.floats(0, 100_000))
def test_the_interval_grows_with_age_within_bounds(first, extra, age, later):
    plan = Schedule(first, first + extra)
    now, then = plan.after(age), plan.after(age + later)
    assert first <= now <= then <= first + extra


def test_interval_from_the_environment(monkeypatch):
    monkeypatch.setenv("INFERMOD_POLL_INTERVAL", "0.2")
    assert schedule() == Schedule(0.2, 30.0)
    monkeypatch.setenv("INFERMOD_POLL_INTERVAL", "soon")
    assert schedule() == Schedule() and schedule(sandbox=True).first < Schedule().first


def test_creations_do_not_wait_in_waves(cli, tmp_path, monkeypatch):
    """6 creations at --parallelism 2 that take 1.5 s each: waves would issue the last create
    after two rounds of waiting (>= 3 s after the first); all are issued before any is ready,
    and no deployment is read one by one."""
    running, server = start_emulator(ready_after=1.5)
    try:
        monkeypatch.setenv("SCW_ACCESS_KEY", "SCWTESTACCESSKEY0000")
        monkeypatch.setenv("SCW_SECRET_KEY", "9f8e7d6c-5b4a-4321-8765-0123456789ab")
        monkeypatch.setenv("SCW_API_URL", running.url)
        monkeypatch.setenv("SCW_DEFAULT_PROJECT_ID", "11111111-1111-4111-8111-111111111111")
        write(tmp_path / "infermod.yaml", many(6))
        result = cli("apply", "--auto-approve", "--parallelism", "2")
        assert result.code == 0, result.out + result.err
        records = list(running.app.store.deployments.values())
        assert len(records) == 6 and {r["status"] for r in records} == {"ready"}
        created = sorted(dt.datetime.fromisoformat(r["created_at"]) for r in records)
        assert (created[-1] - created[0]).total_seconds() < 1.5
        routes = running.stats()["routes"]
        assert not any("{deployment_id}" in r and r.startswith("GET") for r in routes), routes
    finally:
        server.shutdown()
        server.server_close()


def test_a_poll_costs_one_request_per_page(scw_env, sdk):
    from infermod.scw.gateway import Gateway
    from tests.conftest import PROJECT, sdk_client
    from tests.helpers import create, model_id, owned

    llama = model_id(sdk)
    for i in range(150):
        scw_env.app.store.create_deployment(
            "fr-par",
            {
                "project_id": PROJECT,
                "name": f"d{i}",
                "model_id": llama,
                "node_type_name": "L4",
                "endpoints": [{"disable_auth": False, "public_network": {}}],
                "accept_eula": True,
                "tags": owned("shop", f"d{i}"),
            },
        )
    create(sdk, "not-mine", ["x"])
    scw_env.reset_stats()
    gateway = Gateway(sdk_client(scw_env.url))
    found = gateway.list_tagged("fr-par", PROJECT, ["infermod:stack=shop"])
    assert sorted(d.name for d in found) == sorted(f"d{i}" for i in range(150))
    assert scw_env.stats()["routes"] == {"GET /inference/v1/regions/{region}/deployments": 1}  # 1,000 a page
    scw_env.reset_stats()
    gateway.page_size = 100
    assert len(gateway.list_tagged("fr-par", PROJECT, ["infermod:stack=shop"])) == 150
    assert scw_env.stats()["routes"] == {"GET /inference/v1/regions/{region}/deployments": 2}
