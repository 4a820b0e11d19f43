"""A saved plan is a contract: verified against its own configuration and the current state,
gated at apply as at plan time, and usable for a reviewed destroy."""

from __future__ import annotations

import json
import os

from tests.conftest import PROJECT, start_emulator, write
from tests.helpers import create, owned, stack_config

CONFIG = stack_config("chat", "bot")


def edit(path, change):
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_an_added_delete_of_another_stacks_deployment_is_refused(cli, scw_env, sdk, tmp_path):
    theirs = create(sdk, "theirs", owned("other", "db"))
    write(tmp_path / "infermod.yaml", CONFIG)
    assert cli("plan", "--out", "plan.json").code == 0
    plan = tmp_path / "plan.json"

    def add_delete(data):
        forged = json.loads(json.dumps(data["resource_changes"][0]))
        forged.update(address="deployment.db", key="db", resource_id=theirs.id, action_reason=None)
        forged["change"].update(actions=["delete"], before=forged["change"]["after"], after=None)
        data["resource_changes"].append(forged)
        data.pop("summary")  # so that its totals cannot give it away
        data["cost"] = {"currency": "EUR"}

    edit(plan, add_delete)
    result = cli("apply", "plan.json")
    assert result.code == 1
    assert "nothing was applied" in result.err and "First difference: resource_changes[2]" in result.err
    assert "deployment.db (delete)" in result.err, result.err
    assert [d.id for d in sdk.list_deployments_all()] == [theirs.id]  # nothing created, nothing deleted


def test_a_sandbox_plan_edited_to_say_otherwise_is_never_applied_to_the_api(cli, scw_env, sdk, tmp_path):
    """Made with --sandbox ("nothing is created on Scaleway"), then `sandbox: false` edited in: the
    plan is bound to the sandbox, so apply refuses it before anything is created. The
    configuration names its project (as CI configurations do) and both states are empty, so
    nothing but the binding tells the two apart."""
    write(
        tmp_path / "infermod.yaml",
        CONFIG.replace("stack: shop\n", f"stack: shop\ndefaults: {{project_id: {PROJECT}}}\n"),
    )
    assert cli("plan", "--sandbox", "--out", "plan.json").code == 0
    plan = tmp_path / "plan.json"
    recorded = json.loads(plan.read_text())["api"]
    assert recorded["sandbox"] is True and recorded["url"] == "sandbox" and PROJECT in recorded["projects"]
    edit(plan, lambda d: d.update(sandbox=False))
    result = cli("apply", "plan.json")
    assert result.code == 1 and "nothing was applied" in result.err, result.err
    assert "api.sandbox: the plan file says true, the derived plan false" in result.err, result.err
    assert f"it would be applied to {scw_env.url}" in result.err
    edit(plan, lambda d: d["api"].update(sandbox=False))  # both flags: the URL still tells
    result = cli("apply", "plan.json")
    assert result.code == 1 and 'api.url: the plan file says "sandbox"' in result.err, result.err
    edit(plan, lambda d: (d.pop("api"), d.update(format_version="1.5")))  # as an older infermod wrote it
    result = cli("apply", "plan.json")
    assert result.code == 1 and "the plan file records no API" in result.err, result.err
    assert sdk.list_deployments_all() == []


def test_a_plan_made_against_one_api_is_not_applied_to_another(cli, scw_env, sdk, tmp_path, monkeypatch):
    write(tmp_path / "infermod.yaml", CONFIG)
    assert cli("plan", "--out", "plan.json").code == 0
    other, server = start_emulator()
    try:
        monkeypatch.setenv("SCW_API_URL", other.url)
        result = cli("apply", "plan.json")
        assert result.code == 1 and "was not made against the API it would be applied to" in result.err
        assert f'api.url: the plan file says "{scw_env.url}", the derived plan "{other.url}"' in result.err
        assert other.app.store.deployments == {}
        # where it was made, it applies
        monkeypatch.setenv("SCW_API_URL", scw_env.url)
        applied = cli("apply", "plan.json")
        assert applied.code == 0, applied.err
    finally:
        server.shutdown()
        server.server_close()
    assert len(sdk.list_deployments_all()) == 2


def test_a_flipped_field_is_refused_naming_it(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", CONFIG)
    assert cli("plan", "--out", "plan.json").code == 0

    def flip(data):
        data["resource_changes"][1]["change"]["after"]["endpoints"][0]["disable_auth"] = True

    edit(tmp_path / "plan.json", flip)
    result = cli("apply", "plan.json")
    assert result.code == 1 and sdk.list_deployments_all() == []
    assert "resource_changes[1] (deployment.chat).change.after.endpoints[0].disable_auth" in result.err
    assert "the plan file says true, the derived plan false" in result.err


def test_a_saved_plan_applies_from_anywhere_without_the_yaml(cli, scw_env, sdk, tmp_path, monkeypatch):
    write(tmp_path / "work" / "infermod.yaml", CONFIG)
    monkeypatch.chdir(tmp_path / "work")
    assert cli("plan", "--out", "../plan.json").code == 0
    body = json.loads((tmp_path / "plan.json").read_text())
    assert body["embedded"]["sources"] == [{"path": "infermod.yaml", "text": CONFIG}]
    os.remove(tmp_path / "work" / "infermod.yaml")
    monkeypatch.chdir(tmp_path)
    result = cli("apply", "plan.json")
    assert result.code == 0, result.out + result.err
    assert "2 added" in result.out and len(sdk.list_deployments_all()) == 2
    assert "carries its own configuration" in cli("apply", "plan.json", "-f", "x.yaml").err


def test_secrets_are_references_in_plan_files(cli, scw_env, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_supersecretvalue123")
    model = "models:\n  ft:\n    source: https://huggingface.co/acme/support-bot-8b\n    type: chat\n"
    write(
        tmp_path / "infermod.yaml",
        CONFIG.replace("deployments:", model + "    secret: ${HF_TOKEN}\ndeployments:"),
    )
    assert cli("plan", "--out", "plan.json").code == 0
    text = (tmp_path / "plan.json").read_text()
    assert "${HF_TOKEN}" in text and "hf_supersecretvalue123" not in text
    write(
        tmp_path / "infermod.yaml",
        CONFIG.replace("deployments:", model + "    secret: hf_literal0000\ndeployments:"),
    )
    result = cli("plan", "--out", "plan2.json")
    assert result.code == 1 and "models.ft.secret is written in the configuration" in result.err
    assert not (tmp_path / "plan2.json").exists()


def test_gates_recorded_at_plan_time_hold_at_apply(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", CONFIG)
    assert cli("apply", "--auto-approve").code == 0
    write(tmp_path / "infermod.yaml", CONFIG.split("  bot:")[0])  # bot leaves: a delete
    assert cli("plan", "--out", "plan.json", "--max-monthly-cost", "5000").code == 0
    assert json.loads((tmp_path / "plan.json").read_text())["embedded"]["gates"]["max_monthly_cost"] == 5000
    # a gate given at apply is added to the file's
    result = cli("apply", "plan.json", "--deny-destroy")
    assert result.code == 1 and "policy-deny-destroy" in result.err and "nothing was applied" in result.err
    assert len(sdk.list_deployments_all()) == 2
    # a gate recorded in the file cannot be dropped by editing it: the file says one thing...
    edit(tmp_path / "plan.json", lambda d: d["embedded"]["gates"].update(max_monthly_cost=100))
    result = cli("apply", "plan.json")
    assert result.code == 1 and "policy-max-monthly-cost" in result.err
    result = cli("destroy", "--auto-approve", "--deny-destroy")
    assert result.code == 1 and "policy-deny-destroy" in result.out
    assert len(sdk.list_deployments_all()) == 2


def test_a_reviewed_destroy(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", CONFIG)
    assert cli("apply", "--auto-approve").code == 0
    keep = create(sdk, "not-mine", ["x"])
    result = cli("plan", "--destroy", "--out", "destroy.json")
    assert result.code == 0 and "2 to destroy" in result.out, result.out
    assert json.loads((tmp_path / "destroy.json").read_text())["destroy"] is True
    result = cli("apply", "destroy.json")
    assert result.code == 0 and "2 destroyed" in result.out, result.out + result.err
    assert [d.id for d in sdk.list_deployments_all()] == [keep.id]


def test_plan_files_without_or_with_a_damaged_embedded_configuration_are_refused(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", CONFIG)
    assert cli("plan", "--out", "plan.json").code == 0
    plan = tmp_path / "plan.json"
    edit(plan, lambda d: d["embedded"]["sources"][0].update(text=7))
    result = cli("apply", "plan.json")
    assert result.code == 1 and "plan file is damaged (embedded.sources[0]" in result.err
    edit(plan, lambda d: d.pop("embedded"))
    result = cli("apply", "plan.json")
    assert result.code == 1 and "does not embed the configuration" in result.err
    assert sdk.list_deployments_all() == []


def test_a_finding_removed_from_a_plan_file_is_refused(cli, scw_env, sdk, tmp_path):
    write(
        tmp_path / "infermod.yaml",
        CONFIG.replace(
            "endpoints: [{public: true}]\n  bot", "endpoints: [{public: true, disable_auth: true}]\n  bot"
        ),
    )
    assert cli("plan", "--out", "plan.json").code == 0
    plan = tmp_path / "plan.json"
    assert "public-endpoint-without-auth" in plan.read_text()
    edit(plan, lambda d: d.update(findings=[]))  # `show plan.json` no longer warns a reviewer
    assert "public-endpoint-without-auth" not in cli("show", "plan.json").out
    result = cli("apply", "plan.json")
    assert result.code == 1 and "nothing was applied" in result.err
    assert "`public-endpoint-without-auth` on deployments.chat.endpoints[0].disable_auth" in result.err, (
        result.err
    )
    assert sdk.list_deployments_all() == []


def test_a_warning_turned_into_info_with_another_message_is_refused(cli, scw_env, sdk, tmp_path):
    write(
        tmp_path / "infermod.yaml",
        CONFIG.replace(
            "endpoints: [{public: true}]\n  bot", "endpoints: [{public: true, disable_auth: true}]\n  bot"
        ),
    )
    assert cli("plan", "--out", "plan.json").code == 0
    plan = tmp_path / "plan.json"

    def soften(data):
        (found,) = [f for f in data["findings"] if f["rule_id"] == "public-endpoint-without-auth"]
        found.update(severity="info", message="anonymous access is intended here")

    edit(plan, soften)
    assert "anonymous access is intended here" in cli("show", "plan.json").out  # the file reads well...
    result = cli("apply", "plan.json")  # ...but it is not what the configuration gives
    assert result.code == 1 and "nothing was applied" in result.err
    assert "the plan file has info `public-endpoint-without-auth`" in result.err, result.err
    assert "anonymous access is intended here" in result.err
    assert sdk.list_deployments_all() == []


def test_forged_totals_are_refused_by_show_and_apply(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", CONFIG)
    assert cli("plan", "--out", "plan.json").code == 0
    plan = tmp_path / "plan.json"
    honest = plan.read_text()
    for forge, named in (
        (lambda d: d["summary"].update(add=0), "summary.add: the file says 0, its resource_changes give 2"),
        (lambda d: d["cost"].update(monthly_diff=0.0), "cost.monthly_diff: the file says 0.0"),
        (lambda d: d["cost"].update(complete=1), "cost.complete: the file says 1"),
    ):
        plan.write_text(honest)
        edit(plan, forge)
        for command in (("show", "plan.json"), ("apply", "plan.json")):
            result = cli(*command)
            assert result.code == 1 and "plan file is damaged" in result.err and named in result.err, (
                result.err
            )
    assert sdk.list_deployments_all() == []


def test_show_escapes_a_plan_files_terminal_control_sequences(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", CONFIG)
    assert cli("plan", "--out", "plan.json").code == 0
    attack = "\x1b[2J\x1b[1;1H\u202eNo changes.\r"

    def inject(data):
        data["resource_changes"][0]["reasons"] = [attack]
        data["findings"] = [
            {
                "rule_id": "x\x1b[8m",
                "severity": "info",
                "message": attack,
                "resource": None,
                "field": None,
                "hint": attack,
                "location": {"file": "f\x1b]0;t\x07.yaml", "line": 1, "column": 1},
            }
        ]

    edit(tmp_path / "plan.json", inject)
    for fmt in ("text", "markdown", "json"):
        out = cli("show", "plan.json", "--format", fmt).out
        assert "\x1b" not in out and "\u202e" not in out and "\r" not in out and "\x07" not in out, fmt
    text = cli("show", "plan.json").out
    assert "\\x1b[2J\\x1b[1;1H\\u202eNo changes." in text and "f\\x1b]0;t\\x07.yaml:1:1" in text


def test_a_saved_plan_keeps_its_variables_values_and_names_an_unset_secret(
    cli, scw_env, sdk, tmp_path, monkeypatch
):
    monkeypatch.setenv("NODE", "L4")
    monkeypatch.setenv("HF_TOKEN", "hf_supersecretvalue123")
    monkeypatch.delenv("SUFFIX", raising=False)
    model = "models:\n  ft:\n    source: https://huggingface.co/acme/support-bot-8b\n    type: chat\n"
    config = CONFIG.replace("node_type: L4", "node_type: ${NODE}").replace(
        "  bot:", "  bot:\n    name: bot${SUFFIX:-}"
    )
    write(
        tmp_path / "infermod.yaml",
        config.replace("deployments:", model + "    secret: ${HF_TOKEN}\ndeployments:"),
    )
    assert cli("plan", "--out", "plan.json").code == 0
    text = (tmp_path / "plan.json").read_text()
    recorded = json.loads(text)["embedded"]["variables"]
    assert recorded == {"values": {"NODE": "L4", "SUFFIX": None}, "secrets": ["HF_TOKEN"]}
    assert "hf_supersecretvalue123" not in text
    # another shell: the non-secret variables differ or are unset, the secret is not set
    monkeypatch.setenv("NODE", "L40S")
    monkeypatch.setenv("SUFFIX", "-x")
    monkeypatch.delenv("HF_TOKEN")
    result = cli("apply", "plan.json")
    assert result.code == 1 and sdk.list_deployments_all() == []
    assert (
        "HF_TOKEN is not set: the plan does not record secrets, and models.ft.secret (infermod.yaml:7:13) reads it"
        in result.err
    ), result.err
    assert "nothing was applied" in result.err
    monkeypatch.setenv("HF_TOKEN", "hf_supersecretvalue123")
    result = cli("apply", "plan.json")
    assert result.code == 0, result.err
    assert sorted((d.name, d.node_type_name) for d in sdk.list_deployments_all()) == [
        ("bot", "L4"),
        ("chat", "L4"),
    ]


def test_a_variable_named_in_a_comment_is_neither_recorded_nor_asked_for(
    cli, scw_env, sdk, tmp_path, monkeypatch
):
    """Only what a value reads is the plan's: `${DB_PASSWORD}` in a comment must not be saved in
    clear in the plan artifact, and a commented-out `secret: ${HF_TOKEN}` (as in
    examples/custom-model.yaml) must not make the saved plan ask for HF_TOKEN at apply."""
    monkeypatch.setenv("DB_PASSWORD", "hunter2hunter2hunter2")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("NODE", "L4")
    config = "# ask ops for ${DB_PASSWORD}\n" + CONFIG.replace(
        "node_type: L4", "node_type: ${NODE}  # ${SIZE}"
    )
    write(tmp_path / "infermod.yaml", config.replace("deployments:", "# secret: ${HF_TOKEN}\ndeployments:"))
    assert cli("plan", "--out", "plan.json").code == 0
    text = (tmp_path / "plan.json").read_text()
    assert json.loads(text)["embedded"]["variables"] == {"values": {"NODE": "L4"}, "secrets": []}
    assert "hunter2" not in text
    result = cli("apply", "plan.json")
    assert result.code == 0, result.err
    assert len(sdk.list_deployments_all()) == 2
