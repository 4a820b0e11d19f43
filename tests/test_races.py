"""Races between machines, a human at the prompt, and crashes (SIGKILL) at chosen points: the
contract holds through them. Each machine has its own HOME and state directory; one API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import start_emulator
from tests.helpers import stack_config
from tests.machines import Checkpoint, Machine

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


def interrupted_replacement(tmp_path, ready_after: float, wait_for: str) -> tuple[int, str, str, Any]:
    """`bot` exists on L4; the configuration moves it to L40S (delete, then create). Ctrl-C
    once the run's output shows `wait_for`."""
    running, server = start_emulator(ready_after=ready_after)
    a = Machine(tmp_path, "a", running.url, stack_config("bot"))
    code, text = a.start("apply", "--auto-approve", "--timeout", "5s").finish()
    old = next(d["id"] for d in running.app.store.list_deployments("fr-par"))
    a.configure(stack_config("bot").replace("node_type: L4", "node_type: L40S"))
    run = a.start("apply", "--auto-approve")
    run.read_until(wait_for)
    run.interrupt()
    code, text = run.finish()
    return code, text, old, (running, server)


def test_ctrl_c_while_the_old_copy_is_deleted_says_so(tmp_path):
    code, text, old, (_, server) = interrupted_replacement(tmp_path, 20, "deployment.bot: deleting")
    try:
        assert code == 130, text
        assert f"deployment.bot interrupted: interrupted while deleting {old}" in text, text
        assert (
            f"the old deployment {old} is being deleted; it goes on in Scaleway; the new one was not" in text
        )
        assert re.search("interrupted: interrupted$", text, re.MULTILINE) is None
    finally:
        server.shutdown()
        server.server_close()


def test_ctrl_c_after_the_old_copy_is_gone_counts_it_destroyed(tmp_path):
    code, text, old, (running, server) = interrupted_replacement(tmp_path, 8, "deployment.bot: creating")
    try:
        assert code == 130, text
        (new,) = [d["id"] for d in running.app.store.list_deployments("fr-par")]
        assert new != old
        assert f"deployment.bot still creating [{new}]" in text, text
        assert f"the old deployment {old} was destroyed; the new one is {new}" in text, text
        assert "0 added, 0 changed, 1 destroyed. 1 still creating." in text, text
    finally:
        server.shutdown()
        server.server_close()


def test_a_copy_left_by_a_run_killed_before_deleting_it_settles_at_the_next_apply(api, tmp_path):
    """A creates at the same time as B, B's copy is older, and A is killed (SIGKILL) right
    before it deletes its losing copy: two copies carry the key. The next plan deletes the
    younger, as the create protocol would have, and the apply after it ends with one copy."""
    import threading

    arrived, b_done, deleting, release = (threading.Event() for _ in range(4))

    def hook(method: str, path: str) -> bool:
        if method == "POST" and path.endswith("/deployments"):
            arrived.set()
            b_done.wait(60)  # B creates first: its copy is the older
        if method == "DELETE" and "/deployments/" in path:
            deleting.set()
            release.wait(60)  # A is killed here, between its create and deleting its copy
            return False
        return True

    checkpoint = Checkpoint(api.url, hook)
    try:
        config = stack_config("bot")
        a = Machine(tmp_path, "a", checkpoint.url, config)
        b = Machine(tmp_path, "b", api.url, config.replace("stack: shop", "stack: shop  # b"))
        run = a.start("apply", "--auto-approve")
        assert arrived.wait(60), run.text
        assert b.run("apply", "--auto-approve")[0] == 0
        b_done.set()
        assert deleting.wait(60), run.finish()
        run.kill()
        copies = sorted(api.app.store.list_deployments("fr-par"), key=lambda d: d["created_at"])
        assert [d["status"] for d in copies if d["status"] != "deleting"] and len(copies) == 2
        older, younger = copies
        code, text = b.run("plan", "--detailed-exitcode")
        assert code == 2, text
        assert f"delete duplicate left by an interrupted run ({younger['id']}, run " in text, text
        assert f"the oldest copy, {older['id']}, stays" in text and "ownership-conflict" not in text
        code, text = b.run("apply", "--auto-approve")
        assert code == 0 and "0 added, 0 changed, 1 destroyed" in text, text
        assert [d["id"] for d in api.app.store.list_deployments("fr-par")] == [older["id"]]
        assert b.run("plan", "--detailed-exitcode")[0] == 0
    finally:
        release.set()
        checkpoint.close()


def test_two_copies_without_the_protocols_proof_stay_a_conflict(api, tmp_path):
    from scaleway.inference.v1 import InferenceV1API

    from tests.conftest import sdk_client
    from tests.helpers import create, owned

    sdk = InferenceV1API(sdk_client(api.url))
    b = Machine(tmp_path, "b", api.url, stack_config("bot"))
    for name in ("one", "two"):  # made by hand: no run tags
        create(sdk, name, owned("shop", "bot"))
    code, text = b.run("plan")
    assert code == 1 and "ownership-conflict" in text and "changes and deletes neither" in text, text
    assert "duplicate left by an interrupted run" not in text
    api.app.reset()
    # run tags, but different settings: the halves of an interrupted create-before-destroy
    create(sdk, "bot", [*owned("shop", "bot"), "infermod:run=aaaaaaaaaaaa"])
    create(sdk, "bot", [*owned("shop", "bot"), "infermod:run=bbbbbbbbbbbb"], node_type="L40S")
    code, text = b.run("plan")
    assert code == 1 and "ownership-conflict" in text and "duplicate left by" not in text, text


def test_a_protected_deployments_duplicate_is_settled_too(api, tmp_path):
    """prevent_destroy protects the deployment, not a copy an interrupted run left of it: the
    write-time guard proves again that it is the younger of two protocol-made copies."""
    from scaleway.inference.v1 import InferenceV1API

    from tests.conftest import sdk_client
    from tests.helpers import create, owned

    sdk = InferenceV1API(sdk_client(api.url))
    older = create(sdk, "bot", [*owned("shop", "bot"), "infermod:run=aaaaaaaaaaaa"])
    younger = create(sdk, "bot", [*owned("shop", "bot"), "infermod:run=bbbbbbbbbbbb"])
    config = stack_config("bot").replace(
        "endpoints: [{public: true}]", "endpoints: [{public: true}]\n    lifecycle: {prevent_destroy: true}"
    )
    b = Machine(tmp_path, "b", api.url, config)
    code, text = b.run("apply", "--auto-approve")
    assert code == 0, text
    assert f"delete duplicate left by an interrupted run ({younger.id}, run bbbbbbbbbbbb)" in text
    assert [d["id"] for d in api.app.store.list_deployments("fr-par")] == [older.id]


def test_a_destroy_while_the_prompt_waits_refuses_a_plan_that_imports_a_model_first(api, tmp_path):
    model = "models:\n  ft: {source: https://huggingface.co/acme/support-bot-8b, type: chat}\n"
    a = Machine(tmp_path, "a", api.url, stack_config("keep"))
    b = Machine(tmp_path, "b", api.url, stack_config("keep"))
    assert a.run("apply", "--auto-approve")[0] == 0
    with_model = stack_config("keep", "bot").replace("deployments:", model + "deployments:")
    a.configure(
        with_model.replace(
            "  bot:\n    model: meta/llama-3.1-8b-instruct:fp8\n    node_type: L4",
            "  bot:\n    model: ft\n    node_type: L40S",
        )
    )
    human = a.start("apply", tty=True)
    human.read_until(PROMPT)  # imports model.ft, then creates bot; keeps keep
    assert b.run("destroy", "--auto-approve")[0] == 0
    human.answer("yes")
    code, text = human.finish()
    assert code == 1 and "the deployments changed while the plan waited for your answer" in text, text
    assert "Apply complete!" not in text and names(api) == []
    assert [m for m in api.app.store.models.values() if m.get("name", "").startswith("shop--")] == []


def test_a_deployment_another_run_creates_under_a_new_key_is_reported(tmp_path):
    running, server = start_emulator(ready_after=3)
    try:
        a = Machine(tmp_path, "a", running.url, stack_config("new"))
        b = Machine(tmp_path, "b", running.url, stack_config("other"))
        run = a.start("apply", "--auto-approve")
        run.read_until("deployment.new: creating")
        assert b.run("apply", "--auto-approve")[0] == 0  # the same stack, another key
        code, text = run.finish()
        other = next(d["id"] for d in running.app.store.list_deployments("fr-par") if d["name"] == "other")
        assert code == 1, text
        assert (
            f"!! deployment.other appeared meanwhile [{other}]: not in this plan: another run created it"
            in text
        )
    finally:
        server.shutdown()
        server.server_close()


def test_ctrl_c_during_a_model_import_says_what_it_was_doing(tmp_path):
    running, server = start_emulator(ready_after=40)  # the import takes 20 s
    try:
        model = "models:\n  ft: {source: https://huggingface.co/acme/support-bot-8b, type: chat}\n"
        config = stack_config("bot").replace("deployments:", model + "deployments:")
        a = Machine(
            tmp_path,
            "a",
            running.url,
            config.replace("llama-3.1-8b-instruct:fp8\n    node_type: L4", "ft\n    node_type: L40S").replace(
                "meta/ft", "ft"
            ),
        )
        run = a.start("apply", "--auto-approve")
        run.read_until("model.ft: downloading")
        run.interrupt()
        code, text = run.finish()
        assert code == 130, text
        assert re.search(
            r"model\.ft interrupted: interrupted while waiting for model \S+ to be imported \(it goes on",
            text,
        ), text
        assert (
            "deployment.bot interrupted: interrupted while waiting for model.ft; nothing was created" in text
        ), text
    finally:
        server.shutdown()
        server.server_close()


def test_a_create_before_destroy_killed_before_its_delete_is_completed_by_the_next_apply(api, tmp_path):
    import threading

    deleting, release = threading.Event(), threading.Event()

    def hook(method: str, path: str) -> bool:
        if method == "DELETE" and "/deployments/" in path:
            deleting.set()
            release.wait(60)  # killed here: the new copy is ready, the old one not deleted
            return False
        return True

    checkpoint = Checkpoint(api.url, hook)
    try:
        cbd = stack_config("bot").replace(
            "endpoints: [{public: true}]",
            "endpoints: [{public: true}]\n    lifecycle: {create_before_destroy: true}",
        )
        a = Machine(tmp_path, "a", checkpoint.url, cbd)
        assert a.run("apply", "--auto-approve")[0] == 0
        (old,) = [d["id"] for d in api.app.store.list_deployments("fr-par")]
        a.configure(cbd.replace("node_type: L4", "node_type: L40S"))
        run = a.start("apply", "--auto-approve")
        assert deleting.wait(60), run.finish()
        run.kill()
        (new,) = [d["id"] for d in api.app.store.list_deployments("fr-par") if d["id"] != old]
        b = Machine(tmp_path, "b", api.url, cbd.replace("node_type: L4", "node_type: L40S"))
        code, text = b.run("plan", "--detailed-exitcode")
        assert code == 2, text
        assert (
            f"delete the copy an interrupted create-before-destroy replacement left ({old}); its replacement, {new}, is ready"
            in text
        ), text
        code, text = b.run("apply", "--auto-approve")
        assert code == 0 and "0 added, 0 changed, 1 destroyed" in text, text
        assert [(d["id"], d["node_type_name"]) for d in api.app.store.list_deployments("fr-par")] == [
            (new, "L40S")
        ]
    finally:
        release.set()
        checkpoint.close()
