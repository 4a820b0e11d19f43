"""Ownership edge cases: duplicates, a stack tag without a key, tag order."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from infermod.state import NAME_TAG, STACK_TAG, tag_value
from tests.conftest import write
from tests.helpers import create, owned, stack_config

ONE = stack_config("chat")


def ids(sdk):
    return sorted(d.id for d in sdk.list_deployments_all())


def test_two_deployments_with_one_key_are_a_conflict_and_neither_is_deleted(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", ONE)
    assert cli("apply", "--auto-approve").code == 0
    real = sdk.list_deployments_all()[0]
    # a hand-made copy, newer, given the stack's tags in another order
    impostor = create(sdk, "chat-copy", list(reversed(owned("shop", "chat"))))
    body = json.loads(cli("plan", "--format", "json").out)
    conflict = [f for f in body["findings"] if f["rule_id"] == "ownership-conflict"]
    assert len(conflict) == 1 and real.id in conflict[0]["message"] and impostor.id in conflict[0]["message"]
    assert conflict[0]["severity"] == "error" and conflict[0]["location"]["line"] == 4
    assert all(c["change"]["actions"] != ["delete"] for c in body["resource_changes"])
    before = ids(sdk)
    for command in (["apply", "--auto-approve"], ["destroy", "--auto-approve"]):
        result = cli(*command)
        assert result.code == 1 and "ownership-conflict" in result.out, result.out + result.err
    assert ids(sdk) == before


def test_a_stack_tag_without_a_key_is_reported_and_left_alone(cli, scw_env, sdk, tmp_path):
    stray = create(sdk, "stray", ["infermod:stack=shop", "team-x"])
    write(tmp_path / "infermod.yaml", ONE)
    result = cli("apply", "--auto-approve")
    assert "unmanaged, tagged for this stack" in result.out and stray.id in result.out
    assert "deployment.None" not in result.out
    assert result.code == 0 and "1 added, 0 changed, 0 destroyed" in result.out, result.out
    result = cli("destroy", "--auto-approve")
    assert result.code == 0 and "1 destroyed" in result.out
    assert ids(sdk) == [stray.id]


def test_a_name_another_stack_holds_names_that_stack_and_offers_no_import_it_would_refuse(
    cli, scw_env, sdk, tmp_path, answer
):
    """The hint `adopt it with infermod import ...` is for a deployment no stack owns: import
    refuses another stack's (or one tagged for two stacks), so the hint names the owner instead."""
    blogs = create(sdk, "chat", owned("blog", "chat"))
    create(sdk, "bot", [*owned("blog", "bot"), f"{STACK_TAG}news"])
    free = create(sdk, "free", [])
    write(tmp_path / "infermod.yaml", stack_config("chat", "bot", "free"))
    body = json.loads(cli("plan", "--format", "json").out)
    found = {f["resource"]: f for f in body["findings"] if f["rule_id"] == "ownership-conflict"}
    chat, bot, mine = found["deployment.chat"], found["deployment.bot"], found["deployment.free"]
    assert f"({blogs.id}), owned by stack `blog`;" in chat["message"]
    assert (
        chat["hint"]
        == "set another `name:` (`infermod import` refuses it while it carries infermod:stack=blog)"
    )
    assert "will not take it over" in cli("import", "deployment.chat", blogs.id).err  # what the hint spares
    assert "owned by stack `blog` and stack `news`" in bot["message"] and "import " not in bot["hint"]
    assert "nothing managed by infermod" in mine["message"]  # no stack's: the import offered works
    assert (
        mine["hint"] == f"adopt it with `infermod import deployment.free {free.id}`, or set another `name:`"
    )
    answer("yes")  # importing a deployment asks first: it is a write
    assert cli("import", "deployment.free", free.id).code == 0


tag_text = st.text(alphabet="abc-=:", max_size=6)


@given(
    st.lists(tag_text, max_size=4),
    st.lists(st.sampled_from(["shop", "other"]), min_size=1, max_size=3),
    st.randoms(use_true_random=False),
)
def test_the_verdict_does_not_depend_on_tag_order(extra, stacks, rnd):
    tags = [*extra, *(STACK_TAG + s for s in stacks), NAME_TAG + "chat"]
    verdicts = set()
    for _ in range(5):
        rnd.shuffle(tags)
        verdicts.add((tag_value(tags, STACK_TAG), tag_value(tags, NAME_TAG)))
    assert len(verdicts) == 1
    stack, key = verdicts.pop()
    # two different stack tags: nobody's
    assert stack == (stacks[0] if len(set(stacks)) == 1 else None)
    assert key == "chat"


def test_a_rename_onto_a_name_a_deployment_outside_the_stack_has_is_a_warning_naming_both(
    cli, scw_env, sdk, tmp_path, monkeypatch
):
    """Scaleway is not known to refuse a deployment name twice (B18): a rename, or a replacement
    by a deployment of another name, onto a name the stack neither owns nor adopts would leave
    two deployments of one name. Renames among the stack's own deployments are no warning."""
    monkeypatch.setenv("INFERMOD_NODE_QUOTA", "L4=20,L40S=20")
    write(tmp_path / "infermod.yaml", stack_config("web", "bot", "own"))
    assert cli("apply", "--auto-approve").code == 0
    mine = {d.name: d.id for d in sdk.list_deployments_all()}
    blogs = create(sdk, "taken", owned("blog", "taken"))
    free = create(sdk, "free", [])
    config = (
        stack_config("web", "bot", "own")
        .replace("  web:\n", "  web:\n    name: taken\n")
        .replace(
            "  bot:\n    model: meta/llama-3.1-8b-instruct:fp8\n    node_type: L4",
            "  bot:\n    name: free\n    model: meta/llama-3.1-8b-instruct:fp8\n    node_type: L40S",
        )
        .replace("  own:\n", "  own:\n    name: web\n")  # the stack's own `web` is renamed away
    )
    write(tmp_path / "infermod.yaml", config)
    plan = json.loads(cli("plan", "--format", "json").out)
    taken = {f["resource"]: f for f in plan["findings"] if f["rule_id"] == "name-taken"}
    assert sorted(taken) == ["deployment.bot", "deployment.web"]
    web, bot = taken["deployment.web"], taken["deployment.bot"]
    assert web["severity"] == "warning" and web["field"] == "deployments.web.name"
    assert f"deployment.web ({mine['web']}, `web`) would be renamed `taken`" in web["message"]
    assert f"deployment {blogs.id} in fr-par, owned by stack `blog`" in web["message"]
    assert f"replaced by one named `free`, the name of deployment {free.id}" in bot["message"]
    assert "owned by nothing managed by infermod" in bot["message"]
    text = cli("plan")
    assert text.code == 0 and "(name-taken)" in text.out
