"""Polls read what is waiting, not the stack: requests per poll stay at most waiting/100 + 1,
counted by the emulator, the real SDK making every request."""

from __future__ import annotations

import time
from typing import Any

import pytest

from infermod.apply.pollreads import WaitingReader
from infermod.scw.gateway import Gateway
from tests.conftest import PROJECT, Running, sdk_client, start_emulator, write
from tests.helpers import model_id, owned

STACK, RUN = "infermod:stack=shop", "infermod:run=r1"


def seed(app: Any, llama: str, n: int, *tags: str, prefix: str = "d") -> list[str]:
    """n deployments of the stack straight through the store (as an earlier run left them)."""
    return [
        app.store.create_deployment(
            "fr-par",
            {
                "project_id": PROJECT,
                "name": f"{prefix}{i}",
                "model_id": llama,
                "node_type_name": "L4",
                "endpoints": [{"disable_auth": False, "public_network": {}}],
                "accept_eula": True,
                "tags": [*owned("shop", f"{prefix}{i}"), *tags],
            },
        )["id"]
        for i in range(n)
    ]


def requests_made(emulator: Running) -> int:
    return int(emulator.stats()["total"])


@pytest.mark.parametrize("waiting", [1, 2, 150, 900])
def test_a_poll_of_creations_costs_at_most_waiting_100_plus_1(emulator, sdk, waiting):
    """A stack of 2,500 of which this run created 900 (one page of 1,000): a poll of the
    run's creations costs at most waiting/100 + 1, however large the stack."""
    llama = model_id(sdk)
    mine = seed(emulator.app, llama, 900, RUN, prefix="new")
    seed(emulator.app, llama, 1600)
    reader = WaitingReader(Gateway(sdk_client(emulator.url)), "fr-par", PROJECT, STACK, RUN, 2500)
    reader({i: True for i in mine})  # the first poll: all the run made is waiting
    emulator.reset_stats()
    reader.requests = 0
    found = reader({i: True for i in mine[:waiting]})
    assert set(mine[:waiting]) <= {d.id for d in found}
    made = requests_made(emulator)
    assert made == reader.requests
    assert made <= waiting / 100 + 1


@pytest.mark.parametrize(("ours", "others"), [(0, 1), (0, 3), (0, 40), (5, 2)])
def test_a_poll_of_updates_and_deletions_costs_the_fewest_requests(emulator, sdk, ours, others):
    """Deployments the run did not create (updates, deletions) carry no run tag: a GET each
    or the stack's list (three pages of 1,000), whichever is fewer."""
    llama = model_id(sdk)
    mine = seed(emulator.app, llama, 900, RUN, prefix="new")
    old = seed(emulator.app, llama, 1600)
    reader = WaitingReader(Gateway(sdk_client(emulator.url)), "fr-par", PROJECT, STACK, RUN, 2500)
    reader({i: True for i in mine})
    emulator.reset_stats()
    reader.requests = 0
    waiting = {i: True for i in mine[:ours]} | {i: False for i in old[:others]}
    found = reader(waiting)
    assert set(waiting) <= {d.id for d in found}
    made = requests_made(emulator)
    assert made == reader.requests
    assert made <= min(len(waiting), (1 if ours else 0) + others, 3)


def test_one_waiting_among_many_the_run_made_is_read_by_id(emulator, sdk):
    llama = model_id(sdk)
    mine = seed(emulator.app, llama, 250, RUN)
    reader = WaitingReader(Gateway(sdk_client(emulator.url)), "fr-par", PROJECT, STACK, RUN, 250)
    reader.gateway.page_size = 100
    reader({i: True for i in mine})  # the first poll learns the run's list: three pages
    emulator.reset_stats()
    reader({mine[0]: True})
    assert emulator.stats()["routes"] == {"GET /inference/v1/regions/{region}/deployments/{deployment_id}": 1}


def test_a_new_deployment_a_lagging_list_does_not_show_is_not_taken_for_gone():
    running, server = start_emulator(list_lag=30.0)
    try:
        from scaleway.inference.v1 import InferenceV1API

        llama = model_id(InferenceV1API(sdk_client(running.url)))
        mine = seed(running.app, llama, 3, RUN)
        reader = WaitingReader(Gateway(sdk_client(running.url)), "fr-par", PROJECT, STACK, RUN, 3)
        found = reader({i: True for i in mine})
        assert sorted(d.id for d in found) == sorted(mine)  # listed: none; by id: all three
        assert reader.requests == 1 + 3
    finally:
        server.shutdown()
        server.server_close()


def test_one_creation_into_a_stack_of_1000_costs_at_most_15_requests_more(
    cli, emulator, sdk, tmp_path, monkeypatch
):
    """The whole apply (plan reads, create protocol, polls) of one new deployment, into an
    empty stack and into one of 1,000 unchanged deployments."""
    from tests.helpers import stack_config

    monkeypatch.setenv("SCW_ACCESS_KEY", "SCWTESTACCESSKEY0000")
    monkeypatch.setenv("SCW_SECRET_KEY", "9f8e7d6c-5b4a-4321-8765-0123456789ab")
    monkeypatch.setenv("SCW_API_URL", emulator.url)
    monkeypatch.setenv("SCW_DEFAULT_PROJECT_ID", PROJECT)
    costs = []
    for existing in (0, 1000):
        emulator.app.reset()
        llama = model_id(sdk)
        seed(emulator.app, llama, existing)
        while any(d["status"] != "ready" for d in emulator.app.store.list_deployments("fr-par")):
            time.sleep(0.05)
        keys = [f"d{i}" for i in range(existing)]
        write(tmp_path / "infermod.yaml", stack_config(*keys, "new"))
        emulator.reset_stats()
        result = cli("apply", "--auto-approve")
        assert result.code == 0, result.out + result.err
        assert "1 added, 0 changed, 0 destroyed" in result.out
        costs.append(requests_made(emulator))
    assert costs[1] - costs[0] <= 15, costs
