"""Writes re-check ownership and prevent_destroy at the last moment, through the real SDK."""

from __future__ import annotations

import time

import pytest

from infermod.apply.guard import OwnedOnly, Refused
from infermod.scw.gateway import Gateway
from tests.conftest import sdk_client
from tests.helpers import create, owned


@pytest.fixture
def gateway(emulator):
    from infermod.scw import transport

    transport.install()
    return Gateway(sdk_client(emulator.url))


def test_another_stacks_deployment_is_never_updated_or_deleted(gateway, sdk):
    other = create(sdk, "theirs", owned("other", "chat"))
    untagged = create(sdk, "hand-made", ["x"])
    guard = OwnedOnly(gateway, "shop", set(), {other.endpoints[0].id: other.id})
    for dep in (other, untagged):
        with pytest.raises(Refused, match="does not carry the tags of stack `shop`"):
            guard.delete_deployment("fr-par", dep.id)
        with pytest.raises(Refused, match="does not carry the tags"):
            guard.update_deployment("fr-par", dep.id, tags=["y"])
    with pytest.raises(Refused, match="does not carry the tags"):
        guard.update_endpoint("fr-par", other.endpoints[0].id, True)
    current = {d.id: d for d in sdk.list_deployments_all()}
    assert set(current) == {other.id, untagged.id}
    assert current[other.id].status != "deleting" and current[other.id].endpoints[0].disable_auth is False


def test_an_endpoint_is_changed_only_on_the_deployment_that_has_it(gateway, sdk):
    mine = create(sdk, "mine", owned("shop", "chat"))
    other = create(sdk, "theirs", owned("other", "chat"))
    # a plan file claiming another stack's endpoint belongs to our deployment
    guard = OwnedOnly(gateway, "shop", set(), {other.endpoints[0].id: mine.id})
    with pytest.raises(Refused, match="has no such endpoint"):
        guard.update_endpoint("fr-par", other.endpoints[0].id, True)
    with pytest.raises(Refused, match="no planned deployment has it"):
        OwnedOnly(gateway, "shop", set(), {}).delete_endpoint("fr-par", mine.endpoints[0].id)
    assert sdk.get_deployment(deployment_id=other.id).endpoints[0].disable_auth is False


def test_prevent_destroy_is_checked_at_write_time(gateway, sdk):
    mine = create(sdk, "mine", owned("shop", "chat"))
    guard = OwnedOnly(gateway, "shop", {"chat"}, {})
    with pytest.raises(Refused, match="prevent_destroy"):
        guard.delete_deployment("fr-par", mine.id)
    assert sdk.get_deployment(deployment_id=mine.id).status != "deleting"
    while sdk.get_deployment(deployment_id=mine.id).status != "ready":  # updates wait for ready
        time.sleep(0.05)
    guard.update_deployment("fr-par", mine.id, tags=[*owned("shop", "chat"), "ok"])
    assert "ok" in sdk.get_deployment(deployment_id=mine.id).tags


def test_the_stack_tag_without_a_key_tag_is_not_ownership(gateway, sdk):
    # half-tagged by hand (or a key tag removed): it names no key of the stack, so nothing
    # the plan says about a key can be this deployment
    half = create(sdk, "half", ["infermod:stack=shop"])
    guard = OwnedOnly(gateway, "shop", set(), {half.endpoints[0].id: half.id})
    with pytest.raises(Refused, match="does not carry the tags of stack `shop`"):
        guard.delete_deployment("fr-par", half.id)
    with pytest.raises(Refused, match="does not carry the tags of stack `shop`"):
        guard.update_deployment("fr-par", half.id, tags=["y"])
    with pytest.raises(Refused, match="does not carry the tags of stack `shop`"):
        guard.delete_endpoint("fr-par", half.endpoints[0].id)
    after = sdk.get_deployment(deployment_id=half.id)
    assert after.status != "deleting" and after.tags == ["infermod:stack=shop"] and after.endpoints


def test_a_model_is_deleted_only_when_its_name_belongs_to_the_stack(gateway, sdk):
    from scaleway.inference.v1 import ModelSource

    source = ModelSource(url="https://huggingface.co/acme/support-bot-8b")
    theirs = sdk.create_model(name="other--ft--0123abcd", source=source)
    hand_made = sdk.create_model(name="ft", source=source)
    mine = sdk.create_model(name="shop--ft--0123abcd", source=source)
    guard = OwnedOnly(gateway, "shop", set(), {})
    for model in (theirs, hand_made):
        with pytest.raises(
            Refused, match=f"refused to delete model `{model.name}`.*does not belong to stack `shop`"
        ):
            guard.delete_model("fr-par", model.id)
    guard.delete_model("fr-par", mine.id)
    left = {m.id for m in sdk.list_models_all()}
    assert theirs.id in left and hand_made.id in left and mine.id not in left
