"""`infermod import model.KEY ID`: a hand-made custom model adopted through the configuration's
`id:` (models cannot be tagged or renamed), and `--replace model.KEY` importing one again."""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import OTHER_PROJECT, write
from tests.helpers import LLAMA, PUBLIC_PROJECT, model_id

HUB = "https://huggingface.co/acme/support-bot-8b"
TOKEN = "hf_importtoken1234567890abcdefgh"

BLOCK = """\
version: 1
stack: shop
models:
  # the support bot, fine-tuned by hand in the console
  ft:
    source: acme/support-bot-8b   # where it came from
    type: chat
"""
FLOW = "version: 1\nstack: shop\nmodels:\n  ft: {type: chat}   # no source: it cannot be imported again\n"


def hand_made(sdk, name="support-bot", project_id=None, url=HUB, secret=None):
    from scaleway.inference.v1 import ModelSource

    model = sdk.create_model(name=name, project_id=project_id, source=ModelSource(url=url, secret=secret))
    deadline = time.monotonic() + 30  # a bound, not a measure: the emulator imports in 0.3 s
    while str(model.status) != "ready" and time.monotonic() < deadline:
        time.sleep(0.05)
        model = sdk.get_model(model_id=model.id)
    assert str(model.status) == "ready", model
    return model


def models(sdk):
    return {m.id: m.name for m in sdk.list_models_all()}


def test_import_writes_the_id_keeps_the_file_and_the_next_plan_owns_the_model(cli, scw_env, sdk, tmp_path):
    config = tmp_path / "infermod.yaml"
    write(config, BLOCK)
    model = hand_made(sdk)
    # before the import the stack would import a model of its own
    assert '+ model "ft"' in cli("plan").out
    result = cli("import", "model.ft", model.id.upper())
    assert result.code == 0, result.err
    assert (
        f"Imported model `support-bot` ({model.id}) in fr-par as model.ft: wrote `id: {model.id}`"
        in result.out
    )
    assert "infermod.yaml:6)" in result.out and "keep it" in result.out
    lines = BLOCK.splitlines(keepends=True)
    assert config.read_text() == "".join([*lines[:5], f"    id: {model.id}\n", *lines[5:]])
    plan = cli("plan", "--detailed-exitcode")
    assert plan.code == 0 and "No changes." in plan.out, plan.out + plan.err
    shown = json.loads(cli("plan", "--format", "json").out)
    (change,) = shown["resource_changes"]
    assert change["change"]["actions"] == ["no-op"] and change["resource_id"] == model.id
    again = cli("import", "model.ft", model.id)
    assert (again.code, again.out) == (0, f"model.ft is already imported ({model.id}): nothing to do.\n")
    assert models(sdk)[model.id] == "support-bot"  # never touched


def test_a_flow_mapping_gets_the_id_first_and_destroy_deletes_the_adopted_model(cli, scw_env, sdk, tmp_path):
    config = tmp_path / "infermod.yaml"
    write(config, FLOW)
    model = hand_made(sdk)
    assert cli("import", "model.ft", model.id).code == 0
    assert config.read_text() == FLOW.replace("{type: chat}", f"{{id: {model.id}, type: chat}}")
    assert cli("plan", "--detailed-exitcode").code == 0
    assert cli("apply", "--auto-approve").code == 0
    assert model.id in models(sdk)
    destroyed = cli("destroy", "--auto-approve")
    assert destroyed.code == 0, destroyed.err
    assert model.id not in models(sdk)


def test_without_its_id_line_the_stack_lets_go_of_the_model_untouched(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", FLOW)
    model = hand_made(sdk)
    assert cli("import", "model.ft", model.id).code == 0
    write(tmp_path / "infermod.yaml", "version: 1\nstack: shop\n")
    assert cli("plan", "--detailed-exitcode").code == 0
    assert cli("destroy", "--auto-approve").code == 0
    assert models(sdk)[model.id] == "support-bot"


def test_refusals_say_why_and_leave_the_file_alone(cli, scw_env, sdk, tmp_path):
    config = tmp_path / "infermod.yaml"
    text = BLOCK + "  other:\n    id: 99999999-9999-4999-8999-999999999999\n    type: chat\n"
    write(config, text)
    theirs = hand_made(sdk, "blog--ft--0123abcd")
    elsewhere = hand_made(sdk, "elsewhere", project_id=OTHER_PROJECT)
    catalog = model_id(sdk, LLAMA)
    cases = {
        ("model.nope", theirs.id): "model.nope is not declared: add it under `models:` first",
        ("model.ft", "not-an-id"): "'not-an-id' is not a model ID",
        (
            "model.ft",
            "00000000-0000-4000-8000-000000000000",
        ): "no custom model 00000000-0000-4000-8000-000000000000 in fr-par",
        ("model.ft", catalog): f"`{LLAMA}` of Scaleway's catalog, not a custom model",
        ("model.ft", theirs.id): "is named for stack `blog`, key `ft`: it is that stack's import",
        ("model.ft", "99999999-9999-4999-8999-999999999999"): "already adopted as model.other",
        ("model.other", theirs.id): "model.other already adopts model 99999999-9999-4999-8999-999999999999",
    }
    for (address, given), said in cases.items():
        result = cli("import", address, given)
        assert result.code == 1 and said in result.err, (address, result.err)
    # a model of another project than the one the key is configured for
    result = cli("import", "model.ft", elsewhere.id)
    assert result.code == 1 and f"project {OTHER_PROJECT}" in result.err
    assert config.read_text() == text
    assert PUBLIC_PROJECT not in result.err


def test_a_catalog_model_is_never_adopted_by_a_hand_written_id_and_never_deleted(cli, scw_env, sdk, tmp_path):
    catalog = model_id(sdk, LLAMA)
    adopting = f"version: 1\nstack: shop\nmodels:\n  gem:\n    id: {catalog}\n    type: chat\n"
    # with the public project written in, the catalog model is where the key says it is
    for text, field in (
        (adopting + f"    project_id: {PUBLIC_PROJECT}\n", "project_id"),
        (adopting, "id"),
        (
            f"version: 1\nstack: shop\nmodels:\n  gem:\n    source: {HUB}\n    type: chat\n    project_id: '{PUBLIC_PROJECT}'\n",
            "project_id",
        ),
    ):
        write(tmp_path / "infermod.yaml", text)
        for argv in (["plan"], ["plan", "--destroy"], ["destroy", "--auto-approve"]):
            result = cli(*argv)
            assert result.code == 1 and "(model-adoption)" in result.out, (argv, result.out)
            assert f"[models.gem.{field}]" in result.out and "- model" not in result.out, (argv, result.out)
        if field == "project_id":
            assert "Scaleway's public catalog" in result.out
    assert catalog in {m.id for m in sdk.list_models_all(project_id=PUBLIC_PROJECT)}


def test_a_model_the_stack_already_imported_under_the_key_is_not_adopted_twice(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", BLOCK)
    assert cli("apply", "--auto-approve").code == 0
    (own,) = [m for m in sdk.list_models_all() if m.name.startswith("shop--ft--")]
    same = cli("import", "model.ft", own.id)
    assert same.code == 0 and "this stack's own import" in same.out
    stray = hand_made(sdk)
    result = cli("import", "model.ft", stray.id)
    assert result.code == 1 and f"model.ft already exists in this stack ({own.id}" in result.err


def test_an_id_the_plan_cannot_stand_on_is_an_error_at_its_line(cli, scw_env, sdk, tmp_path):
    theirs = hand_made(sdk, "blog--ft--0123abcd")
    write(tmp_path / "infermod.yaml", FLOW.replace("{type: chat}", f"{{id: {theirs.id}, type: chat}}"))
    claimed = cli("plan")
    assert claimed.code == 1 and "named for stack `blog`" in claimed.out + claimed.err
    gone = "12345678-1234-4234-8234-123456789abc"
    write(tmp_path / "infermod.yaml", FLOW.replace("{type: chat}", f"{{id: {gone}, type: chat}}"))
    missing = cli("plan")
    assert missing.code == 1 and f"there is no custom model {gone} in fr-par" in missing.out + missing.err
    # with a source the stack imports its own model instead, and says the id is stale
    write(tmp_path / "infermod.yaml", BLOCK.replace("    type: chat", f"    type: chat\n    id: {gone}"))
    again = cli("plan")
    assert again.code == 0 and '+ model "ft"' in again.out and f"model {gone} no longer exists" in again.out
    neither = cli("validate")
    assert neither.code == 0
    write(tmp_path / "infermod.yaml", "version: 1\nstack: shop\nmodels:\n  ft: {type: chat}\n")
    bare = cli("validate")
    assert bare.code == 1 and "`source` is required (or `id`" in bare.out


@pytest.fixture
def token(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", TOKEN)


# a gated repository: the emulated import fails without a token, so a new import that works
# proves the configuration's secret was sent with it
GATED = "https://huggingface.co/acme/gated-model"
SECRET = BLOCK.replace("acme/support-bot-8b", "acme/gated-model").replace(
    "    type: chat", "    secret: ${HF_TOKEN}\n    type: chat"
)


def test_a_secret_cannot_be_seen_and_replace_imports_the_model_again(cli, scw_env, sdk, tmp_path, token):
    write(tmp_path / "infermod.yaml", SECRET)
    model = hand_made(sdk, url=GATED, secret="hf_the-token-it-was-imported-with")
    assert cli("import", "model.ft", model.id).code == 0
    plan = cli("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.out + plan.err
    assert "a changed secret is not a change this plan can show" in plan.out
    hint = "`infermod apply --replace model.ft`"
    assert hint in plan.out
    saved = cli("plan", "--replace", "model.ft", "--out", "p.json")
    assert saved.code == 0, saved.err
    assert '-/+ model "ft"' in saved.out and "with the configuration's current `secret`" in saved.out
    applied = cli("apply", "p.json")
    assert applied.code == 0, applied.err
    everything = plan.out + saved.out + applied.out + applied.err + (tmp_path / "p.json").read_text()
    assert TOKEN not in everything
    left = models(sdk)
    assert model.id not in left  # the adopted model was deleted, then imported again as the stack's own
    (new,) = [i for i, name in left.items() if name.startswith("shop--ft--")]
    assert str(sdk.get_model(model_id=new).status) == "ready"
    said = " ".join(applied.err.split())  # a saved plan's configuration is not edited: it says what to change
    assert (
        f"Warning: the configuration of a saved plan is not edited: remove `id: {model.id}` under models.ft"
        in said
    )
    assert f"the new import, {new}, is the stack's own by its name" in said
    after = cli("plan", "--detailed-exitcode")
    assert after.code == 0 and f"model {model.id} no longer exists" in after.out


def test_replace_of_a_model_in_use_or_without_source_is_refused(cli, scw_env, sdk, tmp_path, token):
    in_use = SECRET + (
        "deployments:\n  bot:\n    model: ft\n    node_type: L40S\n    endpoints: [{public: true}]\n"
    )
    write(tmp_path / "infermod.yaml", in_use)
    assert cli("apply", "--auto-approve").code == 0
    refused = cli("plan", "--replace", "model.ft")
    assert refused.code == 1 and "--replace model.ft: deployment.bot uses it" in refused.err
    plan = cli("plan")
    assert "give the model a new key" in plan.out and "infermod apply --replace" not in plan.out
    model = hand_made(sdk, "bare")
    write(tmp_path / "infermod.yaml", FLOW.replace("{type: chat}", f"{{id: {model.id}, type: chat}}"))
    bare = cli("plan", "--replace", "model.ft")
    assert bare.code == 1 and "it has no `source` in the configuration" in bare.err


def test_a_saved_plan_with_a_model_whose_secret_cannot_be_seen_applies(cli, scw_env, sdk, tmp_path, token):
    """The note's hint names the options of the run that printed it (`-f FILE` at plan time,
    none when the plan file is applied): a plan file is verified on what it would do, not on how
    the command that made it was typed."""
    write(tmp_path / "infermod.yaml", SECRET)
    model = hand_made(sdk, url=GATED, secret="hf_the-token-it-was-imported-with")
    assert cli("import", "-f", "infermod.yaml", "model.ft", model.id).code == 0
    saved = cli("plan", "-f", "infermod.yaml", "--out", "p.json")
    assert saved.code == 0, saved.err
    assert "`infermod apply --replace model.ft -f infermod.yaml`" in " ".join(saved.out.split())
    applied = cli("apply", "p.json")
    assert applied.code == 0, applied.out + applied.err
    assert "No changes." in applied.out


def test_replace_of_an_adopted_model_takes_its_id_line_out(cli, scw_env, sdk, tmp_path):
    """After `apply --replace model.KEY` the model its `id:` named is deleted and the new import is
    the stack's own by its name: the line is taken out (the rest of the file kept byte for byte),
    and the next plan has nothing to say about it."""
    config = tmp_path / "infermod.yaml"
    write(config, BLOCK)
    model = hand_made(sdk)
    assert cli("import", "model.ft", model.id).code == 0
    applied = cli("apply", "--replace", "model.ft", "--auto-approve")
    assert applied.code == 0, applied.out + applied.err
    (new,) = [i for i, name in models(sdk).items() if name.startswith("shop--ft--")]
    said = " ".join(applied.out.split())
    assert (
        f"Removed `id: {model.id}` from models.ft (infermod.yaml:6): it names {model.id}, the model" in said
    )
    assert f"the new import, {new}, is the stack's own by its name" in said
    assert config.read_text() == BLOCK
    after = cli("plan", "--detailed-exitcode")
    assert after.code == 0 and "no longer exists" not in after.out, after.out


def test_import_into_a_configuration_that_is_a_symbolic_link_edits_its_target(cli, scw_env, sdk, tmp_path):
    """The link stays a link (dotfiles managers, a shared configuration): the edit replaces its
    target, atomically, and an edit that does not read back restores the target."""
    real = tmp_path / "shared" / "shop.yaml"
    write(real, BLOCK)
    (tmp_path / "infermod.yaml").symlink_to(real)
    model = hand_made(sdk)
    result = cli("import", "model.ft", model.id)
    assert result.code == 0, result.err
    link = tmp_path / "infermod.yaml"
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert f"    id: {model.id}\n" in real.read_text()
    assert sorted(p.name for p in real.parent.iterdir()) == ["shop.yaml"]  # no temporary file left
    assert cli("plan", "--detailed-exitcode").code == 0
    applied = cli("apply", "--replace", "model.ft", "--auto-approve")  # takes the line out the same way
    assert applied.code == 0, applied.out + applied.err
    assert link.is_symlink() and real.read_text() == BLOCK
