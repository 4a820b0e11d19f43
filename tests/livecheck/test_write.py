"""`python -m infermod.livecheck --write` against the emulator: every write-path check holds,
each deviation turns its own check to `differs`, and what it created is always deleted."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests

from infermod.livecheck.__main__ import main
from infermod.livecheck.write import Writer, run
from tests.conftest import PROJECT, SECRET_KEY

AUTH = {"x-auth-token": SECRET_KEY}
ZERO = "00000000-0000-4000-8000-000000000000"


def writer(emulator, change=None, sleep=None) -> Writer:
    def request(method: str, path: str, body: dict[str, Any] | None) -> tuple[int, Any]:
        answer = requests.request(method, emulator.url + path, json=body, headers=AUTH, timeout=5)
        data = answer.json() if answer.content else None
        return change(method, path, body, answer.status_code, data) if change else (answer.status_code, data)

    return Writer(
        request, "fr-par", PROJECT, sleep=sleep or (lambda _: time.sleep(0.01)), poll=0.01, limit=30
    )


def left(emulator) -> list[str]:
    return [d["status"] for d in emulator.app.store.deployments.values()]


def results(checks) -> list[tuple[str, str]]:
    return [(c.id, c.result) for c in checks]


def test_every_write_assumption_holds_on_the_emulator_and_nothing_is_left(emulator):
    checks = run(writer(emulator))
    assert results(checks) == [
        ("B9", "ok"),
        ("B3", "ok"),
        ("B11", "ok"),
        ("B3", "ok"),
        ("B7", "ok"),
        ("B4", "ok"),
    ]
    assert "L4" in checks[1].detail and "creating → deploying → ready" in checks[3].detail
    assert left(emulator) == []


def _deviation(kind: str):
    def change(method, path, body, status, data):
        if kind == "B9" and method == "POST" and body and body.get("endpoints") == []:
            return 200, {"id": ZERO, "status": "creating"}  # the API accepted it
        if kind == "B11" and method == "PATCH" and "tags" in (body or {}):
            return 200, {"status": "creating"}
        if kind == "B3" and method == "GET" and isinstance(data, dict) and data.get("status") == "deploying":
            return status, {**data, "status": "scaling"}
        if kind == "B7" and method == "PATCH" and "name" in (body or {}):
            return 400, {"type": "invalid_arguments", "message": "name is immutable"}
        if kind == "B4" and method == "DELETE" and isinstance(data, dict):
            return status, {**data, "status": "deleted"}
        return status, data

    return change


@pytest.mark.parametrize("kind", ["B9", "B11", "B3", "B7", "B4"])
def test_each_deviation_turns_its_own_check_to_differs(emulator, kind):
    checks = run(writer(emulator, _deviation(kind)))
    differs = {c.id for c in checks if c.result == "differs"}
    assert differs == {kind}, checks
    assert left(emulator) == []  # cleaned up all the same


def test_ctrl_c_still_deletes_what_was_created(emulator):
    calls = []

    def sleep(_: float) -> None:
        calls.append(1)
        if len(calls) == 2:  # while waiting for the creation
            raise KeyboardInterrupt
        time.sleep(0.01)

    with pytest.raises(KeyboardInterrupt):
        run(writer(emulator, sleep=sleep))
    assert left(emulator) == []


def test_the_command_needs_the_flag_and_reports_both_parts(scw_env, capsys):
    assert main(["--format", "json"]) == 0
    assert all(r.startswith("GET ") for r in scw_env.stats()["routes"])  # without --write: reads only
    capsys.readouterr()
    assert main(["--write", "--format", "json"]) == 0
    ids = [c["id"] for c in json.loads(capsys.readouterr().out)["checks"]]
    assert ids[:2] == ["A1", "A2"] and ids[-6:] == ["B9", "B3", "B11", "B3", "B7", "B4"]
    assert scw_env.app.store.deployments == {}
