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
    cli, scw_env, sdk, tmp_path
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
