"""`--target ADDRESS` and `--replace ADDRESS`: partial plans that say so, recorded in saved plans."""

from __future__ import annotations

import json

from tests.conftest import write
from tests.helpers import TWO, many


def addresses(body):
    return {c["address"]: c["change"]["actions"] for c in body["resource_changes"]}


def ids(sdk):
    return {d.name: d.id for d in sdk.list_deployments_all()}


def test_target_plans_and_applies_only_what_it_names(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", many(2))
    assert cli("apply", "--auto-approve").code == 0
    write(tmp_path / "infermod.yaml", many(3).replace("node_type: L4", "node_type: L4\n    size: 2"))
    result = cli("plan", "--target", "deployment.d0")
    assert result.code == 0, result.err
    assert "Warning: Resource targeting is in effect" in result.out
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in result.out
    assert "deployment.d1" not in result.out and "deployment.d2" not in result.out
    # the cost gate still counts what the left-out d1 costs today (678.90), not only d0's 1,357.80
    gated = cli("plan", "--target", "deployment.d0", "--max-monthly-cost", "2,000")
    assert gated.code == 1 and "would be 2036.70 EUR, over the limit of 2000.00" in gated.out + gated.err
    body = json.loads(
        cli("plan", "--format", "json", "--target", "deployment.d0", "--target", "deployment.d2").out
    )
    assert body["format_version"] == "1.6"
    assert body["targets"] == ["deployment.d0", "deployment.d2"] and body["replace"] == []
    assert addresses(body) == {"deployment.d0": ["update"], "deployment.d2": ["create"]}

    applied = cli("apply", "--auto-approve", "--target", "deployment.d0")
    assert applied.code == 0, applied.err
    assert "Deployments: 0 added, 1 changed, 0 destroyed." in applied.out
    assert "Warning: Applied changes may be incomplete" in applied.out
    sizes = {d.name: d.size for d in sdk.list_deployments_all()}
    assert sizes == {"d0": 2, "d1": 1}
    rest = json.loads(cli("plan", "--format", "json").out)
    assert rest["targets"] == [] and addresses(rest) == {
        "deployment.d0": ["no-op"],
        "deployment.d1": ["update"],
        "deployment.d2": ["create"],
    }
    destroyed = cli("destroy", "--auto-approve", "--target", "deployment.d1")
    assert destroyed.code == 0, destroyed.err
    assert "Destroy complete! 1 destroyed." in destroyed.out and set(ids(sdk)) == {"d0"}


def test_target_brings_the_model_a_deployment_needs(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", TWO)
    body = json.loads(cli("plan", "--format", "json", "--target", "deployment.bot").out)
    assert addresses(body) == {"model.ft": ["create"], "deployment.bot": ["create"]}
    assert cli("apply", "--auto-approve", "--target", "deployment.bot").code == 0
    assert set(ids(sdk)) == {"bot"}


def test_bad_targets_are_refused_with_what_exists(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", many(2))
    unknown = cli("plan", "--target", "deployment.nope")
    assert unknown.code == 1 and "deployment.nope" in unknown.err
    assert "deployment.d0, deployment.d1" in unknown.err
    drift = cli("plan", "--target", "deployment.d0", "--drift-issue")
    assert drift.code == 1 and "--drift-issue needs a full plan" in drift.err
    malformed = cli("plan", "--target", "d0")
    assert malformed.code == 1 and "deployment.KEY or model.KEY" in malformed.err


def test_replace_forces_a_replacement(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", many(2))
    assert cli("apply", "--auto-approve").code == 0
    before = ids(sdk)
    body = json.loads(cli("plan", "--format", "json", "--replace", "deployment.d0").out)
    d0 = next(c for c in body["resource_changes"] if c["address"] == "deployment.d0")
    assert d0["change"]["actions"] == ["delete", "create"] and d0["action_reason"] == "replace_by_request"
    assert body["replace"] == ["deployment.d0"] and body["targets"] == []
    assert addresses(body)["deployment.d1"] == ["no-op"]  # not a targeted plan: everything is there
    text = cli("plan", "--replace", "deployment.d0").out
    assert "-/+ deployment" in text and "--replace" in text and "Resource targeting" not in text
    result = cli("apply", "--auto-approve", "--replace", "deployment.d0")
    assert result.code == 0, result.err
    after = ids(sdk)
    assert after["d0"] != before["d0"] and after["d1"] == before["d1"]
    assert cli("plan", "--detailed-exitcode").code == 0


def test_replace_respects_lifecycle(cli, scw_env, tmp_path):
    cbd = many(1).replace("    endpoints", "    lifecycle: {create_before_destroy: true}\n    endpoints")
    write(tmp_path / "infermod.yaml", cbd)
    assert cli("apply", "--auto-approve").code == 0
    body = json.loads(cli("plan", "--format", "json", "--replace", "deployment.d0").out)
    assert body["resource_changes"][0]["change"]["actions"] == ["create", "delete"]
    write(tmp_path / "infermod.yaml", cbd.replace("create_before_destroy", "prevent_destroy"))
    refused = cli("plan", "--replace", "deployment.d0")
    assert refused.code == 1 and "lifecycle.prevent_destroy" in refused.out + refused.err


def test_replace_refuses_what_cannot_be_replaced(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", TWO)
    missing = cli("plan", "--replace", "deployment.chat")
    assert missing.code == 1 and "does not exist yet" in missing.err
    model = cli("plan", "--replace", "model.ft")
    assert model.code == 1 and "--replace model.ft: it does not exist yet (this plan creates it)" in model.err
    other = cli("plan", "--replace", "output.ft")
    assert other.code == 1 and "not a resource address: use deployment.KEY or model.KEY" in other.err
    assert cli("destroy", "--replace", "deployment.chat").code == 1  # no such option: a usage error


def test_saved_plan_records_and_keeps_its_targets(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", many(2))
    assert cli("plan", "--target", "deployment.d1", "--out", "p.json").code == 0
    saved = json.loads((tmp_path / "p.json").read_text())
    assert saved["targets"] == ["deployment.d1"] and saved["format_version"] == "1.6"
    refused = cli("apply", "p.json", "--target", "deployment.d0")
    assert refused.code == 1 and "saved plan" in refused.err
    result = cli("apply", "p.json")
    assert result.code == 0, result.err
    assert set(ids(sdk)) == {"d1"}
    assert "Warning: Applied changes may be incomplete" in result.out


def test_targeted_markdown_and_1_0_plan_files(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", many(2))
    markdown = cli("plan", "--format", "markdown", "--target", "deployment.d0").out
    assert (
        "> [!warning]\n> **Resource targeting is in effect**" in markdown and "deployment.d1" not in markdown
    )
    assert cli("plan", "--out", "p.json").code == 0
    old = json.loads((tmp_path / "p.json").read_text())
    del old["targets"], old["replace"], old["api"]
    old["format_version"] = "1.0"  # a plan saved before 1.1 is still read, as an untargeted plan
    (tmp_path / "p.json").write_text(json.dumps(old))
    shown = cli("show", "p.json")
    assert shown.code == 0 and "deployment.d1" in shown.out and "targeting" not in shown.out, shown.out
    result = cli("apply", "p.json")  # but no longer applied: it records no API (1.6)
    assert result.code == 1 and "the plan file records no API" in result.err, result.err
    assert ids(sdk) == {}


def test_targeting_a_changed_model_moves_its_deployments_first(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", TWO)
    assert cli("apply", "--auto-approve").code == 0
    moved = TWO.replace("acme/support-bot-8b", "microsoft/phi-4").replace(
        "node_type: L4\n", "node_type: L4\n    size: 2\n"
    )
    write(tmp_path / "infermod.yaml", moved)
    body = json.loads(cli("plan", "--format", "json", "--target", "model.ft").out)
    actions = sorted((c["address"], c["change"]["actions"]) for c in body["resource_changes"])
    # the new import, the deployment moving to it, then the old model's deletion; not chat
    assert actions == [("deployment.bot", ["update"]), ("model.ft", ["create"]), ("model.ft", ["delete"])]
    assert cli("apply", "--auto-approve", "--target", "model.ft").code == 0
    deps = {d.name: d for d in sdk.list_deployments_all()}
    assert deps["chat"].size == 1 and deps["bot"].model_name.startswith("shop--ft--")
    assert len([m for m in sdk.list_models_all() if m.name.startswith("shop--ft--")]) == 1
    assert cli("plan", "--detailed-exitcode").code == 2  # chat's size is still to do


def test_replace_states_its_consequences_and_every_endpoint_difference(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", many(1))
    assert cli("apply", "--auto-approve").code == 0
    [old] = sdk.list_deployments_all()
    write(tmp_path / "infermod.yaml", many(1).replace("{public: true}", "{public: true, disable_auth: true}"))
    [change] = json.loads(cli("plan", "--replace", "deployment.d0", "--format", "json").out)[
        "resource_changes"
    ]
    assert change["action_reason"] == "replace_by_request"
    assert [q["kind"] for q in change["consequences"]] == ["url-change", "downtime", "auth-disabled"], change
    assert change["alternative"] and "create_before_destroy" in change["alternative"]
    [endpoint] = change["change"]["endpoints"]
    assert (endpoint["before"]["disable_auth"], endpoint["after"]["disable_auth"]) == (False, True)
    text = cli("plan", "--replace", "deployment.d0").out
    assert "public, auth required -> no auth" in text and "authentication turned OFF" in text, text
    assert f"endpoint URL changes (new deployment id): clients of https://{old.id}" in text, text
    assert cli("apply", "--auto-approve", "--replace", "deployment.d0").code == 0
    [new] = sdk.list_deployments_all()
    assert new.id != old.id and new.endpoints[0].disable_auth is True
