"""`infermod plan` against the emulator: actions, reasons, ownership, formats, exit codes."""

from __future__ import annotations

import json

import pytest

from tests.conftest import OTHER_PROJECT, write
from tests.helpers import create, owned

BASE = """\
version: 1
stack: web
deployments:
  chat:
    model: {model}
    node_type: {node_type}
    size: {size}
    accept_eula: true
    endpoints:
      - public: true
        disable_auth: {disable_auth}
    tags: [{tags}]
{extra}"""


def config(
    tmp_path,
    model="meta/llama-3.1-8b-instruct:fp8",
    node_type="L4",
    size=1,
    disable_auth="false",
    tags="team-a",
    extra="",
):
    return write(
        tmp_path / "infermod.yaml",
        BASE.format(
            model=model, node_type=node_type, size=size, disable_auth=disable_auth, tags=tags, extra=extra
        ),
    )


def plan_json(cli, *args):
    result = cli("plan", "--format", "json", *args)
    assert result.code in (0, 2), result.err
    return json.loads(result.out)


def change(body, address):
    return next(c for c in body["resource_changes"] if c["address"] == address)


def make_matching(sdk):
    dep = create(sdk, "chat", ["team-a", *owned("web", "chat")])
    return sdk.wait_for_deployment(
        deployment_id=dep.id,
        options=__import__("scaleway_core.utils", fromlist=["WaitForOptions"]).WaitForOptions(
            timeout=20, min_delay=1, max_delay=1
        ),
    )


def test_new_config_plans_a_create(cli, scw_env, tmp_path):
    config(tmp_path)
    result = cli("plan", "--detailed-exitcode")
    assert result.code == 2
    assert '+ deployment "chat"' in result.out
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in result.out
    body = plan_json(cli)
    c = change(body, "deployment.chat")
    assert c["change"]["actions"] == ["create"] and c["change"]["before"] is None
    assert c["change"]["after"]["node_type"] == "L4"
    assert body["format_version"] == "1.6" and body["summary"] == {
        "import": 0,
        "add": 1,
        "change": 0,
        "destroy": 0,
        "has_changes": True,
    }


def test_existing_matching_deployment_gives_no_changes(cli, scw_env, sdk, tmp_path):
    config(tmp_path)
    make_matching(sdk)
    result = cli("plan", "--detailed-exitcode")
    assert result.code == 0, result.out + result.err
    assert "No changes. Your deployments match the configuration." in result.out


@pytest.mark.parametrize(
    ("kwargs", "actions", "field", "reason"),
    [
        ({"size": 2}, ["update"], "min_size", None),
        ({"tags": "team-b"}, ["update"], "tags", None),
        ({"model": "mistral/mistral-7b-instruct-v0.3:bf16"}, ["update"], "model", None),
        ({"node_type": "L40S"}, ["delete", "create"], "node_type", "replace_because_cannot_update"),
    ],
)
def test_each_change_gets_the_right_action(cli, scw_env, sdk, tmp_path, kwargs, actions, field, reason):
    make_matching(sdk)
    config(tmp_path, **kwargs)
    c = change(plan_json(cli), "deployment.chat")
    assert c["change"]["actions"] == actions
    assert field in [f["field"] for f in c["change"]["fields"]]
    assert c["action_reason"] == reason
    if field in ("min_size", "model"):
        assert "unavailable while it redeploys" in c["downtime"]
    if field == "tags":
        assert c["downtime"] is None


def test_endpoint_changes_are_endpoint_calls_not_ignored(cli, scw_env, sdk, tmp_path):
    make_matching(sdk)
    config(tmp_path, disable_auth="true")
    c = change(plan_json(cli), "deployment.chat")
    assert c["change"]["actions"] == ["update"] and c["change"]["fields"] == []
    assert [(e["action"], e["network"], e["after"]["disable_auth"]) for e in c["change"]["endpoints"]] == [
        ("update", "public", True)
    ]
    text = cli("plan").out
    assert "~ endpoint      = public, auth required -> no auth  # ! authentication turned OFF" in text


@pytest.mark.parametrize("declared_auth_off", [False, True])
def test_every_actual_endpoint_is_in_the_plan_two_on_one_network_too(
    cli, scw_env, sdk, tmp_path, declared_auth_off
):
    # Nothing recorded says the API keeps one endpoint per network (assumption B19): a second
    # public endpoint without authentication, made outside infermod, was dropped by the diff
    # (one per network kept) and the plan said "No changes". Whichever of the two matches the
    # configuration stays; the other is deleted, with a warning naming it.
    dep = make_matching(sdk)
    config(tmp_path, disable_auth=str(declared_auth_off).lower())
    if declared_auth_off:
        assert cli("apply", "--auto-approve").code == 0
    record = scw_env.app.store.deployments[dep.id]
    [declared] = record["endpoints"]
    extra = {
        "id": "aaaaaaaa-0000-4000-8000-000000000001",
        "disable_auth": not declared_auth_off,
        "public_network": {},
        "url": declared["url"],
    }
    record["endpoints"].insert(0, extra)  # as an API allowing it would list it: first
    c = change(plan_json(cli), "deployment.chat")
    assert c["change"]["actions"] == ["update"], c
    assert [(e["action"], e["network"], e["endpoint_id"]) for e in c["change"]["endpoints"]] == [
        ("delete", "public", extra["id"])
    ]
    access = "with" if declared_auth_off else "without"
    assert any(
        f"a second public endpoint ({extra['id']}, {access} authentication)" in q["message"]
        for q in c["consequences"]
    ), c["consequences"]
    assert "No changes" not in cli("plan").out
    result = cli("apply", "--auto-approve")
    assert result.code == 0, result.out + result.err
    assert [e["id"] for e in record["endpoints"]] == [declared["id"]]
    assert cli("plan", "--detailed-exitcode").code == 0


def test_create_before_destroy_turns_downtime_into_replacement(cli, scw_env, sdk, tmp_path):
    make_matching(sdk)
    config(tmp_path, size=2, extra="    lifecycle: {create_before_destroy: true}\n")
    c = change(plan_json(cli), "deployment.chat")
    assert (
        c["change"]["actions"] == ["create", "delete"] and c["action_reason"] == "replace_for_zero_downtime"
    )
    assert '+/- deployment "chat"' in cli("plan").out


def test_prevent_destroy_refuses_a_replacement(cli, scw_env, sdk, tmp_path):
    make_matching(sdk)
    config(tmp_path, node_type="L40S", extra="    lifecycle: {prevent_destroy: true}\n")
    result = cli("plan")
    assert result.code == 1
    assert "lifecycle-prevent-destroy" in result.out and "the plan is refused" in result.err


def test_unowned_deployments_are_never_touched(cli, scw_env, sdk, tmp_path):
    create(sdk, "hand-made", ["prod"])
    create(sdk, "other-stack", owned("someone-else", "x"))
    config(tmp_path)
    body = plan_json(cli)
    assert [c["address"] for c in body["resource_changes"]] == ["deployment.chat"]
    write(tmp_path / "infermod.yaml", "version: 1\nstack: web\n")
    body = plan_json(cli)
    assert body["resource_changes"] == [] and body["summary"]["has_changes"] is False


def test_same_name_not_owned_is_a_conflict(cli, scw_env, sdk, tmp_path):
    create(sdk, "chat", ["hand-made"])
    config(tmp_path)
    result = cli("plan")
    assert result.code == 1
    assert "ownership-conflict" in result.out and "infermod import deployment.chat" in result.out


def test_removed_deployment_is_deleted(cli, scw_env, sdk, tmp_path):
    make_matching(sdk)
    write(tmp_path / "infermod.yaml", "version: 1\nstack: web\n")
    body = plan_json(cli)
    c = change(body, "deployment.chat")
    assert c["change"]["actions"] == ["delete"] and c["action_reason"] == "delete_because_no_resource_config"
    assert body["summary"]["destroy"] == 1


def test_transient_deployment_shows_status_without_blocking(cli, scw_env, sdk, tmp_path):
    scw_env.app.store.ready_after = 60.0  # still creating however long the first CLI run takes to start
    create(sdk, "chat", ["team-a", *owned("web", "chat")])
    config(tmp_path, size=2)
    c = change(plan_json(cli), "deployment.chat")
    assert c["status"] == "creating" and "apply waits until it is ready" in c["reasons"][0]


def test_plan_requests_do_not_grow_with_deployments(more_regions, cli, scw_env, sdk, tmp_path):
    def requests_for(n):
        keys = [f"d{i}" for i in range(n)]
        for key in keys:
            create(sdk, key, owned("web", key), region="nl-ams")
        body = "version: 1\nstack: web\ndeployments:\n" + "".join(
            f"  {k}:\n    region: nl-ams\n    model: meta/llama-3.1-8b-instruct:fp8\n    node_type: L4\n    accept_eula: true\n    endpoints: [{{public: true}}]\n"
            for k in keys
        )
        write(tmp_path / "infermod.yaml", body)
        scw_env.reset_stats()
        assert cli("plan").code == 0
        return scw_env.stats()["total"]

    small = requests_for(3)
    scw_env.app.store.reset()
    large = requests_for(60)
    assert large == small  # one page of 100 either way: no request per deployment


def test_sensitive_values_never_in_plans(cli, scw_env, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_topsecret_token_value")
    write(
        tmp_path / "infermod.yaml",
        """\
version: 1
stack: web
models:
  ft: {source: acme/support-bot-8b, type: chat, secret: "${HF_TOKEN}"}
deployments:
  bot: {model: ft, node_type: L40S, endpoints: [{public: true}]}
""",
    )
    for fmt in ("text", "json", "markdown"):
        result = cli("plan", "--format", fmt, "--out", "plan.json")
        assert result.code == 0, result.err
        assert "hf_topsecret_token_value" not in result.out + result.err
    saved = (tmp_path / "plan.json").read_text()
    assert "hf_topsecret_token_value" not in saved and "(sensitive)" in saved


def test_saved_plan_show_renders_the_same(cli, scw_env, tmp_path):
    config(tmp_path)
    assert cli("plan", "--out", "p.json").code == 0
    shown = cli("show", "p.json", "--format", "json")
    assert json.loads(shown.out)["resource_changes"][0]["address"] == "deployment.chat"
    assert cli("show", "missing.json").code == 1
    write(tmp_path / "junk.json", "{not json")
    result = cli("show", "junk.json")
    assert result.code == 1 and "not a plan file" in result.err


def test_missing_credentials_is_one_clear_line(cli, tmp_path):
    config(tmp_path)
    result = cli("plan")
    assert result.code == 1
    assert "Scaleway credentials are not set" in result.err and "Traceback" not in result.err


def test_bad_secret_key_is_not_echoed(cli, tmp_path, monkeypatch):
    config(tmp_path)
    monkeypatch.setenv("SCW_ACCESS_KEY", "SCWTESTACCESSKEY0001")
    monkeypatch.setenv("SCW_SECRET_KEY", "not-a-uuid-but-secret")
    result = cli("plan")
    assert result.code == 1 and "not-a-uuid-but-secret" not in result.err


def test_other_projects_are_read_separately(cli, scw_env, sdk, tmp_path):
    create(sdk, "chat", owned("web", "chat"), project_id=OTHER_PROJECT)
    config(tmp_path, extra=f"    project_id: {OTHER_PROJECT}\n")
    c = change(plan_json(cli), "deployment.chat")
    assert c["project_id"] == OTHER_PROJECT and c["change"]["actions"] != ["create"]


def test_no_color_after_the_command_and_no_escapes_off_a_tty(cli, scw_env, tmp_path):
    from infermod import output

    config(tmp_path)
    output.set_color(None)  # decide as in real use: captured output is not a terminal
    result = cli("plan", "--no-color")
    assert result.code == 0 and "\x1b[" not in result.out
    output.set_color(True)
    assert "\x1b[" in cli("plan").out
