"""The actual state: ownership by tags and by model name, and the fingerprint that dates a plan."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from infermod.state import ActualModel, ActualState, model_key, ownership_tags, owns_model_name
from tests.plan.test_diff import actual

keys = st.from_regex(r"[a-z0-9]+(-[a-z0-9]+)*", fullmatch=True)  # the schema's pattern for stacks and keys


def test_ownership_comes_from_tags_and_user_tags_leave_them_out():
    dep = actual("chat", stack="s")
    assert (dep.stack, dep.key, dep.user_tags) == ("s", "chat", ("team",))
    state = ActualState((dep, actual("x", stack="other")), (), ())
    assert [d.key for d in state.owned_deployments("s")] == ["chat"]


@settings(max_examples=40)
@given(keys, keys)
def test_model_names_prove_ownership(stack, key):
    name = f"{stack}--{key}--0123abcd"
    assert owns_model_name(stack, name) and model_key(name) == key
    assert not owns_model_name(stack + "x", name)
    assert not owns_model_name(stack, f"{stack}--{key}--0123abcZ")
    assert ownership_tags(stack, key) == [f"infermod:stack={stack}", f"infermod:name={key}"]


def test_the_fingerprint_moves_with_what_the_stack_owns_only():
    mine, theirs = actual("a"), actual("b", stack="other")
    model = ActualModel("m1", "s--m--0123abcd", "fr-par", "p", "ready", None, "t0")
    base = ActualState((mine, theirs), (model,), ()).fingerprint("s")
    assert ActualState((mine, theirs._replace(updated_at="t9")), (model,), ()).fingerprint("s") == base
    assert ActualState((mine._replace(updated_at="t9"), theirs), (model,), ()).fingerprint("s") != base
    assert ActualState((mine, theirs), (model._replace(status="error"),), ()).fingerprint("s") != base


def test_what_a_key_id_may_adopt_is_sorted_out_once_per_stack():
    plain = actual("p", tags=("team",))  # made outside infermod: no tags of any stack
    half = actual("h", tags=("infermod:stack=s",))  # the stack's tag without a key: unmanaged
    owned, theirs = actual("o"), actual("t", stack="other")
    mine = ActualModel("m1", "s--m--0123abcd", "fr-par", "p", "ready", None, "t0")
    other = ActualModel("m2", "other--m--0123abcd", "fr-par", "p", "ready", None, "t0")
    made = ActualModel("m3", "made-by-hand", "fr-par", "p", "ready", None, "t0")
    ours = ActualState((plain, half, owned, theirs), (mine, other, made), ()).of_stack("s")
    assert sorted(ours.adoptable_deployments) == [half.id, plain.id]  # never a key's, nor another stack's
    assert ours.adoptable_deployments[plain.id] == plain
    assert list(ours.adoptable_models) == ["m3"]  # a name for any stack claims the model
    assert list(ActualState((half,), (), ()).of_stack("other").adoptable_deployments) == []
