"""`infermod apply`, `destroy`, `import`, `output` against the emulator."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.conftest import point_scw_env_at, start_emulator, write
from tests.helpers import TWO, create, many, owned
from tests.machines import default_signals


def test_apply_then_plan_converges(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", TWO)
    result = cli("apply", "--auto-approve")
    assert result.code == 0, result.out + result.err
    assert "Apply complete! Deployments: 2 added, 0 changed, 0 destroyed. Models: 1 imported." in result.out
    deps = {d.name: d for d in sdk.list_deployments_all()}
    assert set(deps) == {"chat", "bot"} and all(d.status == "ready" for d in deps.values())
    assert "infermod:stack=shop" in deps["bot"].tags and "infermod:name=bot" in deps["bot"].tags
    assert deps["bot"].model_name.startswith("shop--ft--")
    assert cli("plan", "--detailed-exitcode").code == 0


def test_apply_updates_endpoints_sizes_and_deletes(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", TWO)
    assert cli("apply", "--auto-approve").code == 0
    changed = TWO.replace("disable_auth: true", "disable_auth: false").replace(
        "tags: [a]", "tags: [b]\n    size: 2"
    )
    changed = changed.replace(
        "  bot:\n", "  gone:\n    model: ft\n    node_type: L40S\n    endpoints: [{public: true}]\n  bot:\n"
    )
    write(tmp_path / "infermod.yaml", changed)
    result = cli("apply", "--auto-approve")
    assert result.code == 0, result.out + result.err
    assert "Deployments: 1 added, 2 changed, 0 destroyed" in result.out
    deps = {d.name: d for d in sdk.list_deployments_all()}
    assert deps["chat"].size == 2 and "b" in deps["chat"].tags
    private = [e for e in deps["bot"].endpoints if e.private_network]
    assert private[0].disable_auth is False
    write(tmp_path / "infermod.yaml", "version: 1\nstack: shop\n")
    result = cli("apply", "--auto-approve")
    assert result.code == 0 and "0 added, 0 changed, 3 destroyed" in result.out
    assert sdk.list_deployments_all() == []
    assert [m for m in sdk.list_models_all() if m.name.startswith("shop--")] == []
    assert cli("plan", "--detailed-exitcode").code == 0


def test_create_before_destroy_replacement(cli, scw_env, sdk, tmp_path):
    base = many(1).replace("    endpoints", "    lifecycle: {create_before_destroy: true}\n    endpoints")
    write(tmp_path / "infermod.yaml", base)
    assert cli("apply", "--auto-approve").code == 0
    old = sdk.list_deployments_all()[0].id
    write(tmp_path / "infermod.yaml", base.replace("node_type: L4", "node_type: L40S"))
    result = cli("apply", "--auto-approve")
    assert result.code == 0 and "1 added, 0 changed, 1 destroyed" in result.out
    now = sdk.list_deployments_all()
    assert len(now) == 1 and now[0].id != old and now[0].node_type_name == "L40S"


def test_refuses_to_prompt_without_a_terminal(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", many(1))
    result = cli("apply")
    assert result.code == 1 and "--auto-approve" in result.err


def test_saved_plan_applies_and_stale_plan_is_refused(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", many(2))
    assert cli("plan", "--out", "p1.json").code == 0
    assert cli("plan", "--out", "p2.json").code == 0
    result = cli("apply", "p1.json")
    assert result.code == 0, result.out + result.err
    result = cli("apply", "p2.json")
    assert result.code == 1
    assert "the saved plan is stale" in result.err and "appeared" in result.err
    assert len(sdk.list_deployments_all()) == 2
    assert cli("plan", "--out", "p3.json").code == 0
    write(tmp_path / "infermod.yaml", many(3))  # the plan file embeds the configuration it was made from
    result = cli("apply", "p3.json")
    assert result.code == 0 and "No changes" in result.out, result.out + result.err
    assert len(sdk.list_deployments_all()) == 2


def test_faults_and_lost_responses_still_converge_without_duplicates(cli, tmp_path, monkeypatch):
    running, server = start_emulator(fault_rate=0.3, lose_create_responses=2, seed=3, retry_after=0)
    try:
        point_scw_env_at(running.url, monkeypatch)
        write(tmp_path / "infermod.yaml", many(6))
        result = cli("apply", "--auto-approve")
        assert result.code == 0, result.out + result.err
        names = Counter(d["name"] for d in running.app.store.deployments.values())
        assert names == Counter({f"d{i}": 1 for i in range(6)})
        assert cli("plan", "--detailed-exitcode").code == 0
    finally:
        server.shutdown()
        server.server_close()


def test_failed_resource_does_not_stop_the_others(cli, scw_env, sdk, tmp_path):
    body = TWO.replace("acme/support-bot-8b", "acme/pickle-only")
    write(tmp_path / "infermod.yaml", body)
    result = cli("apply", "--auto-approve")
    assert result.code == 1
    # the failed import exists in Scaleway (in error): named by its id
    [model] = [m for m in scw_env.app.store.models.values() if m["name"].startswith("shop--ft--")]
    assert f"model.ft failed [{model['id']}]: import failed: no weights in .safetensors format" in result.out
    assert "deployment.bot failed: skipped: it uses model.ft, which failed" in result.out
    assert "deployment.chat created" in result.out
    assert "Apply failed!" in result.out
    assert [d.name for d in sdk.list_deployments_all()] == ["chat"]


def test_destroy_respects_prevent_destroy_and_ownership(cli, scw_env, sdk, tmp_path):
    create(sdk, "not-mine", ["x"])
    write(tmp_path / "infermod.yaml", many(2))
    assert cli("apply", "--auto-approve").code == 0
    write(
        tmp_path / "infermod.yaml",
        many(2).replace("  d1:\n", "  d1:\n    lifecycle: {prevent_destroy: true}\n"),
    )
    result = cli("destroy", "--auto-approve")
    assert result.code == 1 and "lifecycle-prevent-destroy" in result.out
    write(tmp_path / "infermod.yaml", many(2))
    result = cli("destroy", "--auto-approve")
    assert result.code == 0 and "2 destroyed" in result.out
    assert [d.name for d in sdk.list_deployments_all()] == ["not-mine"]


def test_the_stack_wide_prevent_destroy_also_guards_a_deployment_whose_block_was_removed(
    cli, scw_env, sdk, tmp_path
):
    # Terraform's prevent_destroy leaves with its resource block; defaults.lifecycle.prevent_destroy
    # stays in the file, and a reviewer can miss one removed block in a long diff: plan and
    # apply refuse the deletion, naming the default, until it is turned off in a reviewed change
    guarded = many(2).replace(
        "deployments:\n", "defaults:\n  lifecycle: {prevent_destroy: true}\ndeployments:\n"
    )
    write(tmp_path / "infermod.yaml", guarded)
    assert cli("apply", "--auto-approve").code == 0
    without_d1 = guarded[: guarded.index("  d1:\n")]
    write(tmp_path / "infermod.yaml", without_d1)
    for command in ("plan", "apply", "destroy"):
        result = cli(command, "--auto-approve") if command != "plan" else cli(command)
        assert result.code == 1, (command, result.out + result.err)
        assert "infermod.yaml:4:15: error: the plan would delete deployment.d1" in result.out, result.out
        assert "defaults.lifecycle.prevent_destroy is set for the whole stack" in result.out
    assert len(sdk.list_deployments_all()) == 2
    # turned off deliberately, with d0 still protected on its own: d1 goes, d0 stays
    released = without_d1.replace("prevent_destroy: true}", "prevent_destroy: false}").replace(
        "  d0:\n", "  d0:\n    lifecycle: {prevent_destroy: true}\n"
    )
    write(tmp_path / "infermod.yaml", released)
    result = cli("apply", "--auto-approve")
    assert result.code == 0 and "1 destroyed" in result.out, result.out + result.err
    assert [d.name for d in sdk.list_deployments_all()] == ["d0"]


def test_import_adopts_a_hand_made_deployment(cli, scw_env, sdk, tmp_path):
    dep = create(sdk, "d0", ["legacy"])
    write(tmp_path / "infermod.yaml", many(1))
    assert "ownership-conflict" in cli("plan").out
    result = cli("import", "deployment.d0", dep.id, "--auto-approve")
    assert result.code == 0, result.err
    tags = sdk.get_deployment(deployment_id=dep.id).tags
    assert set(tags) == {"legacy", *owned("shop", "d0")}
    body = json.loads(cli("plan", "--format", "json").out)
    assert body["resource_changes"][0]["resource_id"] == dep.id
    other = create(sdk, "z", owned("other", "z"))
    assert (
        "carries the tags of stack `other` (infermod:stack=other)"
        in cli("import", "deployment.d0", other.id, "--auto-approve").err
    )


def test_output_lists_endpoints(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", many(1))
    assert "owns no deployment yet" in cli("output").out
    assert cli("apply", "--auto-approve").code == 0
    body = json.loads(cli("output", "--format", "json").out)
    d0 = body["deployments"]["d0"]
    assert d0["status"] == "ready" and d0["endpoints"][0]["url"].startswith("https://")


def test_bad_timeout_value(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", many(1))
    result = cli("apply", "--auto-approve", "--timeout", "soon")
    assert result.code == 1 and "'soon' is not a duration: use 90s, 45m, 1h30m" in result.err


def test_ctrl_c_reports_what_is_in_flight_and_loses_nothing(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    running, server = start_emulator(ready_after=60)
    try:
        write(tmp_path / "infermod.yaml", many(3))
        env = {
            **os.environ,
            "SCW_ACCESS_KEY": "SCWTESTACCESSKEY0000",
            "SCW_SECRET_KEY": "9f8e7d6c-5b4a-4321-8765-0123456789ab",
            "SCW_API_URL": running.url,
            "SCW_DEFAULT_PROJECT_ID": "11111111-1111-4111-8111-111111111111",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "infermod", "apply", "--auto-approve"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=default_signals,
        )
        deadline = time.monotonic() + 30
        while len(running.app.store.deployments) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, out + err
        assert "interrupted" in out and "goes on in Scaleway" in out
        assert "Traceback" not in err
        tags = [d["tags"] for d in running.app.store.deployments.values()]
        assert len(tags) == 3 and all(
            "infermod:stack=shop" in t for t in tags
        )  # tracked: the next plan sees them
    finally:
        server.shutdown()
        server.server_close()


def _infermod(tmp_path, url: str, *args: str):
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "SCW_ACCESS_KEY": "SCWTESTACCESSKEY0000",
        "SCW_SECRET_KEY": "9f8e7d6c-5b4a-4321-8765-0123456789ab",
        "SCW_API_URL": url,
        "SCW_DEFAULT_PROJECT_ID": "11111111-1111-4111-8111-111111111111",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "infermod", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_signals,
    )


def test_sigterm_reports_what_is_in_flight_with_ids_as_ctrl_c_does(tmp_path):
    # a cancelled or timed-out GitLab job, `docker stop`: SIGTERM, not SIGINT. It ended the
    # process with no word: no report, no ids, no closing event, while both creations went on
    import signal
    import time

    running, server = start_emulator(ready_after=60)
    try:
        write(tmp_path / "infermod.yaml", many(2))
        proc = _infermod(tmp_path, running.url, "apply", "--auto-approve", "--json")
        deadline = time.monotonic() + 30
        while len(running.app.store.deployments) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 143, out + err
        assert "Traceback" not in err
        for deployment_id in running.app.store.deployments:  # each named, as Ctrl-C names them
            assert f"still creating [{deployment_id}]" in err, err
        assert "Error: terminated (SIGTERM): see above what was done" in err
        *_, last = (json.loads(line) for line in out.splitlines())
        assert (last["type"], last["summary"]["exit_code"], last["summary"]["ok"]) == ("summary", 143, False)
        outcomes = [json.loads(line)["outcome"] for line in out.splitlines() if '"type": "outcome"' in line]
        assert {o["resource_id"] for o in outcomes} == set(running.app.store.deployments)
    finally:
        server.shutdown()
        server.server_close()


def test_sigterm_while_planning_ends_with_a_message_and_exit_143(tmp_path):
    import signal
    import time

    running, server = start_emulator(latency_ms=5000)
    try:
        write(tmp_path / "infermod.yaml", many(1))
        proc = _infermod(tmp_path, running.url, "plan", "--json")
        deadline = time.monotonic() + 30
        while not running.app.connections and time.monotonic() < deadline:  # a read is under way
            time.sleep(0.1)
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 143, out + err
        assert "Error: terminated (SIGTERM)" in err and "Traceback" not in err
        last = json.loads(out.splitlines()[-1])
        assert (last["type"], last["exit_code"]) == ("error", 143), out
    finally:
        server.shutdown()
        server.server_close()


def test_a_region_change_replaces_the_deployment_in_the_new_region(more_regions, cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", many(1))
    assert cli("apply", "--auto-approve").code == 0
    [old] = sdk.list_deployments_all(region="fr-par")
    for cbd in ("", "    lifecycle: {create_before_destroy: true}\n"):
        write(tmp_path / "infermod.yaml", many(1, region="nl-ams") + cbd)
        result = cli("apply", "--auto-approve")
        assert result.code == 0, result.out + result.err
        # each catalog model has one id per region: the old region's id failed with a 404
        # after the old deployment was deleted, or the copy went back to the old region
        assert sdk.list_deployments_all(region="fr-par") == [], result.out
        [new] = sdk.list_deployments_all(region="nl-ams")
        assert new.id != old.id and f"ok deployment.d0 replaced [{new.id}]" in result.out, result.out
        assert cli("plan", "--detailed-exitcode").code == 0
        write(tmp_path / "infermod.yaml", many(1) + cbd)
        assert cli("apply", "--auto-approve").code == 0
        [old] = sdk.list_deployments_all(region="fr-par")
        assert sdk.list_deployments_all(region="nl-ams") == []


def test_a_project_change_out_of_the_default_project_replaces_the_deployment(cli, scw_env, sdk, tmp_path):
    from tests.conftest import OTHER_PROJECT, PROJECT

    write(tmp_path / "infermod.yaml", many(1))  # in the profile's default project
    assert cli("apply", "--auto-approve").code == 0
    [old] = sdk.list_deployments_all(project_id=PROJECT)
    moved = many(1).replace("    endpoints", f"    project_id: {OTHER_PROJECT}\n    endpoints")
    write(tmp_path / "infermod.yaml", moved)
    plan = cli("plan", "--format", "json")
    [change] = json.loads(plan.out)["resource_changes"]  # the old one was not read: a create, and an orphan
    assert change["change"]["actions"] == ["delete", "create"] and change["resource_id"] == old.id, plan.out
    assert cli("apply", "--auto-approve").code == 0
    assert sdk.list_deployments_all(project_id=PROJECT) == []
    assert len(sdk.list_deployments_all(project_id=OTHER_PROJECT)) == 1


@pytest.mark.parametrize("looked_up", [True, False])
def test_a_lost_create_answer_on_a_lagging_list_leaves_one_copy_counted_as_added(
    cli, tmp_path, monkeypatch, looked_up
):
    """The create's answer is lost and the list shows its copy only a while later. Its token is
    looked up until it shows, so it is not created again; and when it was created again all the
    same (the look-up gave up: a lag beyond its bound), every copy carrying the run's tag is the
    run's: one is kept and counted as added, the other deleted, never taken for another run's."""
    from infermod.scw import gateway

    if not looked_up:
        monkeypatch.setattr(gateway, "LIST_LAG", 0.0)
    running, server = start_emulator(lose_create_responses=1, list_lag=1.5)
    try:
        point_scw_env_at(running.url, monkeypatch)
        write(tmp_path / "infermod.yaml", many(1))
        result = cli("apply", "--auto-approve")
        assert result.code == 0, result.out + result.err
        posts = running.stats()["routes"]["POST /inference/v1/regions/{region}/deployments"]
        assert posts == (1 if looked_up else 2)
        [kept] = [
            d for d in running.app.store.deployments.values() if d["status"] not in ("deleting", "deleted")
        ]
        assert f"ok deployment.d0 created [{kept['id']}]" in result.out, result.out
        assert ("deleted this run's second copy" in result.out) is not looked_up
        assert "another run" not in result.out and "Deployments: 1 added" in result.out
        # one output per key, the kept copy's, never the one being deleted
        assert [line for line in result.out.splitlines() if line.startswith("d0.")] == [
            f'd0.url = "{kept["endpoints"][0]["url"]}"'
        ]
        assert cli("plan", "--detailed-exitcode").code == 0
    finally:
        server.shutdown()
        server.server_close()


def test_a_partly_done_update_says_which_calls_went_through(cli, scw_env, sdk, tmp_path, monkeypatch):
    """An update is several calls; when one fails the report says which were made, so no one
    has to diff the deployment by hand (here: the new endpoint exists, the old one too, and
    the rename was never sent)."""
    from infermod.emulator.errors import ApiError
    from tests.helpers import stack_config

    write(tmp_path / "infermod.yaml", stack_config("chat"))
    assert cli("apply", "--auto-approve").code == 0
    private = "44444444-4444-4444-8444-444444444444"
    write(
        tmp_path / "infermod.yaml",
        stack_config("chat").replace(
            "endpoints: [{public: true}]",
            f"name: renamed\n    endpoints: [{{private_network_id: {private}}}]",
        ),
    )

    def refuse(*_: object) -> None:
        raise ApiError(400, {"type": "invalid_request_error", "message": "endpoint busy"})

    monkeypatch.setattr(scw_env.app, "delete_endpoint", refuse)
    result = cli("apply", "--auto-approve")
    assert result.code == 1
    (dep,) = sdk.list_deployments_all()
    assert dep.name == "chat" and len(dep.endpoints) == 2
    assert (
        f"!! deployment.chat failed [{dep.id}]: 400 invalid_request_error: endpoint busy; done before it: "
        f"private network {private} endpoint added; not done: public endpoint removed; name changed"
    ) in result.out, result.out
