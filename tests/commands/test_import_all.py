"""`infermod import --all`: the configuration for what no stack owns, and its adoption.

The round trip of issue 28 point 7, through the real CLI against the emulator: hand-made
deployments and custom models -> `import --all --out f.yaml` -> `validate -f f.yaml` -> a
plan of adoptions only -> apply -> `No changes.`
"""

from __future__ import annotations

import json
import re
import shlex
import time

import yaml
from scaleway.inference.v1 import (
    EndpointPrivateNetworkDetails,
    EndpointPublicNetworkDetails,
    EndpointSpec,
    ModelSource,
)

from tests.conftest import PROJECT, sdk_client, write
from tests.helpers import create, owned

NETWORK = "44444444-4444-4444-8444-444444444444"


def ready(sdk, get, thing):
    deadline = time.monotonic() + 30  # a bound, not a measure: the emulator settles in 0.3 s
    while str(thing.status) != "ready" and time.monotonic() < deadline:
        time.sleep(0.05)
        thing = get(thing.id)
    assert str(thing.status) == "ready", thing
    return thing


def hand_made(sdk):
    """What a team made in the console: a catalog deployment with a tag, a custom model and a
    deployment of it with a public and a private endpoint, named as no key is written."""
    model = sdk.create_model(
        name="Support Bot v2", source=ModelSource(url="https://huggingface.co/acme/support-bot-8b")
    )
    model = ready(sdk, lambda i: sdk.get_model(model_id=i), model)
    chat = create(sdk, "chat", ["team-a", "infermod:create=stale-token"])
    bot = sdk.create_deployment(
        model_id=model.id,
        node_type_name="L40S",
        endpoints=[
            EndpointSpec(disable_auth=False, public_network=EndpointPublicNetworkDetails()),
            EndpointSpec(
                disable_auth=True, private_network=EndpointPrivateNetworkDetails(private_network_id=NETWORK)
            ),
        ],
        name="Support_Bot",
        accept_eula=False,
        min_size=1,
        max_size=1,
        tags=[],
    )
    get = lambda i: sdk.get_deployment(deployment_id=i)  # noqa: E731
    return model, ready(sdk, get, chat), ready(sdk, get, bot)


def test_round_trip_adopts_what_no_stack_owns_and_changes_nothing_else(cli, scw_env, sdk, tmp_path):
    model, chat, bot = hand_made(sdk)
    theirs = create(sdk, "theirs", owned("blog", "theirs"))
    foreign_model = sdk.create_model(
        name="blog--ft--0123abcd", source=ModelSource(url="https://huggingface.co/acme/support-bot-8b")
    )
    before = {d.id: d for d in sdk.list_deployments_all()}
    result = cli("import", "--all", "--out", "f.yaml")
    assert result.code == 0, result.err
    assert (
        "Wrote f.yaml: 2 deployment(s) and 1 custom model(s) to adopt; decide its 2 `DECIDE:` line(s)."
        in result.out
    )
    assert "Review the adoptions: `infermod plan -f f.yaml`" in result.out
    text = (tmp_path / "f.yaml").read_text()
    written = yaml.safe_load(text)
    assert written["stack"] == "imported" and written["defaults"] == {"project_id": PROJECT}
    assert written["models"] == {"support-bot-v2": {"id": model.id, "type": "chat"}}
    assert written["deployments"] == {
        "chat": {
            "id": chat.id,
            "model": chat.model_name,
            "node_type": "L4",
            "size": 1,
            "quantization": chat.quantization.bits,
            "accept_eula": True,
            "endpoints": [{"public": True}],
            "tags": ["team-a"],
        },
        "support-bot": {
            "name": "Support_Bot",
            "id": bot.id,
            "model": "support-bot-v2",
            "node_type": "L40S",
            "size": 1,
            "quantization": bot.quantization.bits,
            "endpoints": [{"public": True}, {"private_network_id": NETWORK, "disable_auth": True}],
        },
    }
    assert "DECIDE: the model has an End User License Agreement" in text
    assert "DECIDE: the API does not say a model's type" in text
    assert "# source: ORG/NAME" in text and theirs.id not in text and foreign_model.id not in text
    assert cli("validate", "-f", "f.yaml").code == 0
    shown = json.loads(cli("plan", "-f", "f.yaml", "--format", "json").out)
    assert shown["summary"] == {"import": 2, "add": 0, "change": 0, "destroy": 0, "has_changes": True}
    actions = {
        c["address"]: (c["change"]["actions"], c["change"].get("importing"))
        for c in shown["resource_changes"]
    }
    assert actions == {
        "model.support-bot-v2": (["no-op"], None),
        "deployment.chat": (["no-op"], {"id": chat.id}),
        "deployment.support-bot": (["no-op"], {"id": bot.id}),
    }
    plan = cli("plan", "-f", "f.yaml")
    assert "# deployment.chat will be imported" in plan.out
    assert "Plan: 2 to import, 0 to add, 0 to change, 0 to destroy." in plan.out
    assert "adopting it adds infermod's ownership tags" in plan.out
    applied = cli("apply", "-f", "f.yaml", "--auto-approve")
    assert applied.code == 0, applied.err
    assert "Apply complete! Deployments: 2 imported, 0 added, 0 changed, 0 destroyed." in applied.out
    after = {d.id: d for d in sdk.list_deployments_all()}
    assert sorted(after[chat.id].tags) == sorted(["team-a", *owned("imported", "chat")])
    assert sorted(after[bot.id].tags) == sorted(owned("imported", "support-bot"))
    assert after[theirs.id].tags == before[theirs.id].tags
    for dep in (chat, bot):  # nothing but the tags changed
        was, now = before[dep.id], after[dep.id]
        assert (now.name, now.node_type_name, now.model_id, now.min_size, len(now.endpoints)) == (
            was.name,
            was.node_type_name,
            was.model_id,
            was.min_size,
            len(was.endpoints),
        )
    again = cli("plan", "-f", "f.yaml", "--detailed-exitcode")
    assert again.code == 0 and "No changes." in again.out, again.out
    assert {m.id for m in sdk.list_models_all()} >= {model.id, foreign_model.id}


def test_the_file_is_never_overwritten_unless_asked_and_stdout_is_the_default(cli, scw_env, sdk, tmp_path):
    create(sdk, "chat", [])
    write(tmp_path / "f.yaml", "mine\n")
    refused = cli("import", "--all", "--out", "f.yaml")
    assert refused.code == 1 and "f.yaml exists" in refused.err and "--overwrite" in refused.err
    assert (tmp_path / "f.yaml").read_text() == "mine\n"
    assert cli("import", "--all", "--out", "f.yaml", "--overwrite").code == 0
    assert "chat:" in (tmp_path / "f.yaml").read_text()
    printed = cli("import", "--all", "--stack", "team")
    assert printed.code == 0 and yaml.safe_load(printed.out)["stack"] == "team"
    assert "to adopt" in printed.err and "to adopt" not in printed.out
    wrong = cli("import", "--all", "deployment.chat")
    assert wrong.code == 1 and "--all reads the project" in wrong.err
    stray = cli("import", "deployment.chat", "x", "--out", "g.yaml")
    assert stray.code == 1 and "go with --all" in stray.err


def test_nothing_to_import_says_so_and_writes_nothing(cli, scw_env, sdk, tmp_path):
    create(sdk, "mine", owned("shop", "mine"))
    result = cli("import", "--all", "--out", "f.yaml")
    assert result.code == 0 and "nothing to import" in result.err
    assert not (tmp_path / "f.yaml").exists()


def test_an_adoption_the_configuration_cannot_stand_on_is_refused(cli, scw_env, sdk, tmp_path):
    theirs = create(sdk, "theirs", owned("blog", "theirs"))
    config = (
        "version: 1\nstack: shop\ndeployments:\n  theirs:\n"
        f"    id: {theirs.id}\n    model: meta/llama-3.1-8b-instruct:fp8\n    node_type: L4\n"
        "    accept_eula: true\n    endpoints: [{public: true}]\n"
    )
    write(tmp_path / "infermod.yaml", config)
    plan = cli("plan")
    assert plan.code == 1 and "carries the tags of stack `blog`" in plan.out + plan.err
    assert sdk.get_deployment(deployment_id=theirs.id).tags == owned("blog", "theirs")


def test_import_all_works_in_the_sandbox(cli, tmp_path, monkeypatch):
    from scaleway.inference.v1 import InferenceV1API

    from infermod.sandbox import running_sandbox
    from infermod.scw.client import SANDBOX_PROJECT_ID

    monkeypatch.setenv("INFERMOD_SANDBOX_READY_AFTER", "0.2")
    with running_sandbox() as url:  # a deployment made by hand in the sandbox's own project
        sdk = InferenceV1API(sdk_client(url))
        create(sdk, "chat", ["team-a"], project_id=SANDBOX_PROJECT_ID)
    result = cli("import", "--all", "--sandbox", "--out", "f.yaml")
    assert result.code == 0, result.err
    hint = re.findall(r"`(infermod [^`]*)`", result.out)[-1]  # the printed command, run as printed
    assert hint.startswith("infermod plan") and "--sandbox" in hint
    planned = cli(*shlex.split(hint)[1:])
    assert planned.code == 0 and "1 to import" in planned.out, planned.out + planned.err
    applied = cli("apply", "--sandbox", "-f", "f.yaml", "--auto-approve")
    assert applied.code == 0 and "1 imported" in applied.out, applied.out + applied.err
    assert cli("plan", "--sandbox", "-f", "f.yaml", "--detailed-exitcode").code == 0


def test_a_stack_that_already_owns_deployments_is_refused_and_a_free_name_is_named(
    cli, scw_env, sdk, tmp_path
):
    """A second `import --all` after the first was applied would write a file holding only the
    new deployment: its apply would destroy the first batch. Refused, and nothing written."""
    get = lambda i: sdk.get_deployment(deployment_id=i)  # noqa: E731
    ready(sdk, get, create(sdk, "chat", []))
    assert cli("import", "--all", "--out", "f.yaml").code == 0
    applied = cli("apply", "-f", "f.yaml", "--auto-approve")
    assert applied.code == 0, applied.out + applied.err
    create(sdk, "later", [])
    create(sdk, "other", owned("imported-2", "x"))
    again = cli("import", "--all", "--out", "g.yaml")
    assert again.code == 1 and not (tmp_path / "g.yaml").exists()
    said = " ".join(again.err.split())
    assert "stack `imported` already owns 1 deployment(s)" in said, said
    assert "`infermod import --all --stack imported-3`" in said
    assert cli("import", "--all", "--stack", "imported-3", "--out", "g.yaml").code == 0
    shown = json.loads(cli("plan", "-f", "g.yaml", "--format", "json").out)
    assert shown["summary"]["destroy"] == 0 and shown["summary"]["import"] == 1


def test_names_that_make_the_same_key_get_distinct_keys_and_names_and_say_so(
    cli, scw_env, sdk, tmp_path, monkeypatch
):
    """`Support Bot v2` and `support-bot-v2` both make the key `support-bot-v2`; the first must be
    renamed (infermod does not accept its name) and not onto a name another deployment holds,
    in the file or not (`support-bot-v2-2` is stack blog's). The file validates, and each
    disambiguation is a `DECIDE:` line naming the deployment that holds the key."""
    monkeypatch.setenv("INFERMOD_NODE_QUOTA", "L4=10")  # seven L4 nodes: no quota warning
    spaced = create(sdk, "Support Bot v2", [])
    plain = create(sdk, "support-bot-v2", [])
    create(sdk, "support-bot-v2-2", owned("blog", "x"))
    underscored = create(sdk, "Support_Bot", [])
    hyphened = create(sdk, "support-bot", [])
    chat, twin = (
        create(sdk, "chat", []),
        create(sdk, "chat", []),
    )  # the emulator takes a name twice: the older keeps it
    result = cli("import", "--all", "--out", "f.yaml")
    assert result.code == 0, result.err
    text = (tmp_path / "f.yaml").read_text()
    written = yaml.safe_load(text)["deployments"]
    assert {k: (v["id"], v.get("name", k)) for k, v in written.items()} == {
        "support-bot-v2": (plain.id, "support-bot-v2"),
        "support-bot-v2-3": (spaced.id, "support-bot-v2-3"),
        "support-bot": (hyphened.id, "support-bot"),
        "support-bot-2": (underscored.id, "Support_Bot"),
        "chat": (chat.id, "chat"),
        "chat-2": (twin.id, "chat-2"),
    }
    lines = text.splitlines()
    decide = [x for x in lines if "DECIDE:" in x and not x.startswith("#") and "End User" not in x]
    renamed, kept, second = decide  # in the file's order: `Support Bot v2`, `Support_Bot`, `chat`
    assert second.startswith('    name: chat-2   # DECIDE: Scaleway name "chat" must be unique in its region')
    assert f'(deployment "chat" ({chat.id}) has it too)' in second
    assert renamed.startswith('    name: support-bot-v2-3   # DECIDE: Scaleway name "Support Bot v2" is not')
    assert f'(`support-bot-v2` is deployment "support-bot-v2" ({plain.id})\'s)' in renamed
    assert kept.startswith("  support-bot-2:   # DECIDE: key made from the name")
    assert f'`support-bot` is deployment "support-bot" ({hyphened.id})\'s' in kept
    assert "Wrote f.yaml: 6 deployment(s) and 0 custom model(s) to adopt; decide its 9" in result.out
    assert cli("validate", "-f", "f.yaml").code == 0
    shown = json.loads(cli("plan", "-f", "f.yaml", "--format", "json").out)
    assert shown["summary"] == {"import": 6, "add": 0, "change": 2, "destroy": 0, "has_changes": True}
    assert [f for f in shown["findings"] if f["severity"] != "info"] == []


def test_keys_yaml_would_read_as_booleans_or_numbers_are_quoted_and_names_shown_as_text(
    cli, scw_env, sdk, tmp_path, monkeypatch
):
    """PyYAML reads YAML 1.1: a key `yes:`, `on:`, `null:` or `123:` would load as true, None or
    an integer. Such keys (and the names and model references written plain) are quoted; a
    name in a DECIDE comment is shown as text (`"Café Bot"`, not `"Caf\\u00e9 Bot"`), only what
    cannot be shown (a bidirectional override) escaped."""
    from scaleway.inference.v1 import ModelSource

    monkeypatch.setenv("INFERMOD_NODE_QUOTA", "L4=20,L40S=20")
    names = ["yes", "on", "null", "true", "123", "Café Bot", "evil\u202etxt"]
    made = {name: create(sdk, name, []) for name in names}
    model = ready(
        sdk,
        lambda i: sdk.get_model(model_id=i),
        sdk.create_model(name="off", source=ModelSource(url="https://huggingface.co/acme/support-bot-8b")),
    )
    sdk.create_deployment(
        model_id=model.id,
        node_type_name="L40S",
        endpoints=[EndpointSpec(disable_auth=False, public_network=EndpointPublicNetworkDetails())],
        name="n",
        accept_eula=False,
        min_size=1,
        max_size=1,
        tags=[],
    )
    result = cli("import", "--all", "--out", "f.yaml")
    assert result.code == 0, result.err
    text = (tmp_path / "f.yaml").read_text()
    written = yaml.safe_load(text)
    deployments = written["deployments"]
    for key in ("yes", "on", "null", "true", "123"):
        assert deployments[key]["id"] == made[key].id, key
    assert written["models"]["off"]["id"] == model.id and deployments["n"]["model"] == "off"
    assert deployments["caf-bot"]["name"] == "caf-bot"
    assert 'DECIDE: Scaleway name "Café Bot" is not a name infermod accepts' in text
    assert 'Scaleway name "evil\\u202etxt"' in text and "\u202e" not in text
    assert cli("validate", "-f", "f.yaml").code == 0
    shown = json.loads(cli("plan", "-f", "f.yaml", "--format", "json").out)
    assert shown["summary"]["import"] == 8 and shown["summary"]["destroy"] == 0
