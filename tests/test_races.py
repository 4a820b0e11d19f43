"""Races between machines, a human at the prompt, and crashes (SIGKILL) at chosen points: the
contract holds through them. Each machine has its own HOME and state directory; one API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import start_emulator
from tests.helpers import stack_config
from tests.machines import Machine

PROMPT = "Only 'yes' will be accepted"


@pytest.fixture
def api() -> Iterator[Any]:
    running, server = start_emulator(ready_after=0.2)
    yield running
    server.shutdown()
    server.server_close()


def names(api: Any) -> list[str]:
    return sorted(d["name"] for d in api.app.store.list_deployments("fr-par") if d["status"] != "deleting")


def test_a_destroy_while_the_prompt_waits_refuses_the_answered_plan(api, tmp_path):
    a = Machine(tmp_path, "a", api.url, stack_config("keep"))
    b = Machine(tmp_path, "b", api.url, stack_config("keep"))
    assert a.run("apply", "--auto-approve")[0] == 0
    a.configure(stack_config("keep", "new"))
    human = a.start("apply", tty=True)
    human.read_until(PROMPT)  # the plan shown keeps `keep` and creates `new`
    assert b.run("destroy", "--auto-approve")[0] == 0  # meanwhile, on another machine
    human.answer("yes")
    code, text = human.finish()
    assert code == 1, text
    assert "the deployments changed while the plan waited for your answer, nothing was changed" in text
    assert "deployment.keep (" in text and ") no longer exists" in text
    assert "Apply complete!" not in text and names(api) == []  # `new` was not created


def test_an_unchanged_prompt_answer_goes_on(api, tmp_path):
    a = Machine(tmp_path, "a", api.url, stack_config("keep"))
    assert a.run("apply", "--auto-approve")[0] == 0
    a.configure(stack_config("keep", "new"))
    human = a.start("apply", tty=True)
    human.read_until(PROMPT)
    human.answer("yes")
    code, text = human.finish()
    assert code == 0 and "Apply complete! Deployments: 1 added" in text, text
    assert names(api) == ["keep", "new"]


def test_a_kept_deployment_deleted_during_the_run_fails_the_run_naming_it(tmp_path):
    running, server = start_emulator(ready_after=3)  # `new` takes 3 s to be ready
    try:
        a = Machine(tmp_path, "a", running.url, stack_config("keep"))
        b = Machine(tmp_path, "b", running.url, stack_config("keep"))
        assert a.run("apply", "--auto-approve")[0] == 0
        a.configure(stack_config("keep", "new"))
        run = a.start("apply", "--auto-approve")
        run.read_until("deployment.new: creating")
        assert b.run("destroy", "--auto-approve", "--target", "deployment.keep")[0] == 0
        code, text = run.finish()
        assert code == 1, text
        assert "deployment.keep changed meanwhile" in text and "it no longer exists" in text, text
        assert "Apply complete!" not in text and "Apply failed!" in text
    finally:
        server.shutdown()
        server.server_close()
