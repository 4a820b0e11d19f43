"""Each live check catches the deviation it is there for: the emulator's real answers, changed
the way the real API could one day differ, turn that check (and only it) to `differs`."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import requests

from infermod.livecheck.checks import ALL, PUBLIC_PROJECT_ID, Context
from tests.conftest import PROJECT, SECRET_KEY
from tests.helpers import create

Change = Callable[[str, dict[str, Any]], dict[str, Any]]


def through(emulator, change: Change) -> Context:
    def get(path: str, query: dict[str, Any]) -> tuple[int, Any]:
        answer = requests.get(
            emulator.url + path, params=query, headers={"x-auth-token": SECRET_KEY}, timeout=5
        )
        return answer.status_code, change(path, copy.deepcopy(answer.json()))

    return Context(get, "fr-par", PROJECT, None)


def public_models(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in body.get("models", []) if m.get("project_id") == PUBLIC_PROJECT_ID]


def moved_to_a_project(path, body):
    for m in body.get("models", []):
        m["project_id"] = PROJECT
    return body


def filter_ignored(path, body):  # the project filter no longer hides the catalog
    return (
        body
        if "models" not in body or public_models(body)
        else {**body, "models": [{"name": "m", "project_id": PUBLIC_PROJECT_ID}]}
    )


def node_type_unlisted(path, body):
    for m in public_models(body)[:1]:
        m["nodes_support"][0]["nodes"] = m["nodes_support"][0]["nodes"][1:]
    return body


def allowed_without_context(path, body):
    for m in public_models(body)[:1]:
        m["nodes_support"][0]["nodes"][0]["quantizations"][0].update(allowed=True, max_context_size=0)
    return body


def new_status(path, body):
    for d in body.get("deployments", []):
        d["status"] = "hibernating"
    return body


def renamed_resource(path, body):
    return {**body, "resource": "Deployment"} if body.get("type") == "not_found" else body


def no_lifecycle(path, body):
    return {**body, "products": []} if "products" in body else body


@pytest.mark.parametrize(
    ("change", "check"),
    [
        (moved_to_a_project, "A1"),
        (filter_ignored, "A2"),
        (node_type_unlisted, "A3"),
        (allowed_without_context, "A4"),
        (new_status, "A5"),
        (renamed_resource, "A6"),
        (no_lifecycle, "A7"),
    ],
)
def test_each_deviation_is_caught_by_its_check(emulator, sdk, change, check):
    create(sdk, "seen", [])
    as_is = {c.id: c.result for c in (run(through(emulator, lambda p, b: b)) for run in ALL)}
    assert as_is[check] == "ok"
    changed = {c.id: c for c in (run(through(emulator, change)) for run in ALL)}
    assert changed[check].result == "differs" and changed[check].detail
    assert [cid for cid, c in changed.items() if c.result == "differs" and as_is[cid] == "ok"] == [check]
