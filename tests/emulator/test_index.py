"""The emulator's index answers every list as a scan of the whole region would, and a page
costs O(page): only its records become JSON, and the pages after the first reuse the answer."""

from __future__ import annotations

import random
from typing import Any

import pytest

from infermod.emulator import catalog, server
from infermod.emulator.server import Emulator, Settings
from infermod.emulator.store import Store
from tests.conftest import OTHER_PROJECT, PROJECT
from tests.helpers import LLAMA


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def body(name: str, project: str, tags: list[str]) -> dict[str, Any]:
    model = next(m["id"] for m in catalog.public_models("fr-par") if m["name"] == LLAMA)
    return {
        "name": name,
        "project_id": project,
        "model_id": model,
        "node_type_name": "L4",
        "accept_eula": True,
        "endpoints": [{"public_network": {}}],
        "tags": tags,
    }


def brute(store: Store, region: str, project: str | None, name: str | None, tags: list[str]) -> list[str]:
    """What the emulator answered before the index: every record filtered, then sorted."""
    found = [
        d
        for d in store.deployments.values()
        if d["region"] == region
        and (not project or d["project_id"] == project)
        and (not name or name in d["name"])
        and set(tags) <= set(d["tags"])
    ]
    return [d["id"] for d in sorted(found, key=lambda d: (d["created_at"] or "", d["id"]))]


@pytest.mark.parametrize("seed", range(5))
def test_every_query_answers_as_a_scan_of_the_region(seed):
    rng = random.Random(seed)
    store = Store(1.0, None, node_quota={})
    clock = store.clock = Clock()
    tags = ["a", "b", "c"]
    queries = [
        (p, n, t)
        for p in (None, PROJECT, OTHER_PROJECT)
        for n in (None, "d1")
        for t in ([], ["a"], ["a", "b"])
    ]
    for step in range(300):
        clock.now += rng.choice([0.0, 0.01, 0.3, 1.5])
        live = [d["id"] for d in store.list_deployments("fr-par")]  # due steps applied first
        action = rng.random()
        if action < 0.5 or not live:
            picked = [t for t in tags if rng.random() < 0.5]
            project = rng.choice([PROJECT, OTHER_PROJECT])
            store.create_deployment("fr-par", body(f"d{step}", project, picked))
        elif action < 0.7:
            dep = store.deployments[rng.choice(live)]
            if dep["status"] == "ready":
                store.update_deployment(
                    "fr-par", dep["id"], {"tags": [t for t in tags if rng.random() < 0.5]}
                )
        elif action < 0.85:
            dep = store.deployments[rng.choice(live)]
            if dep["status"] == "ready":
                store.delete_deployment("fr-par", dep["id"])
        else:
            store.set_status(rng.choice(live), rng.choice(["error", "deleted", "ready"]))
        project, name, wanted = rng.choice(queries)
        for descending in (False, True):
            answer = [d["id"] for d in store.query_deployments("fr-par", project, name, wanted, descending)]
            expected = brute(store, "fr-par", project, name, wanted)
            assert answer == (expected[::-1] if descending else expected), (step, project, name, wanted)
    assert store.deployments  # the walk did build something


def test_a_page_converts_only_its_records_and_later_pages_reuse_the_answer(monkeypatch):
    app = Emulator(Settings(ready_after=0.0, node_quota={}))
    for i in range(500):
        app.store.create_deployment("fr-par", body(f"d{i}", PROJECT, ["infermod:stack=s"]))
    converted = []
    monkeypatch.setattr(server, "view", lambda d: converted.append(d["id"]) or d)
    query = {"project_id": [PROJECT], "tags": ["infermod:stack=s"], "page_size": ["100"]}
    first = app.list_deployments({"region": "fr-par"}, {**query, "page": ["1"]}, None)
    assert first["total_count"] == 500 and len(converted) == 100
    kept = app.store.index.answers.copy()
    second = app.list_deployments({"region": "fr-par"}, {**query, "page": ["2"]}, None)
    assert len(converted) == 200 and {d["id"] for d in first["deployments"]}.isdisjoint(
        d["id"] for d in second["deployments"]
    )
    assert app.store.index.answers == kept  # answered from the kept list, not scanned again
