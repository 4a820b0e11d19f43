"""Writes re-check ownership and prevent_destroy at the last moment, through the real SDK."""

from __future__ import annotations

import time

import pytest

from infermod.apply.guard import OwnedOnly, Refused
from infermod.scw.gateway import Gateway
from tests.conftest import sdk_client
from tests.helpers import LLAMA, PUBLIC_PROJECT, create, model_id, owned


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


def test_the_stack_wide_default_guards_at_write_time_a_key_no_longer_declared(gateway, sdk, tmp_path):
    from infermod.config.load import load_config
    from tests.conftest import write
    from tests.helpers import many

    gone = create(sdk, "gone", owned("shop", "gone"))
    text = many(1).replace(
        "deployments:\n", "defaults:\n  lifecycle: {prevent_destroy: true}\ndeployments:\n"
    )
    config = load_config([write(tmp_path / "infermod.yaml", text)]).config
    with pytest.raises(Refused, match="prevent_destroy"):
        OwnedOnly(gateway, "shop", config.protected(), {}).delete_deployment("fr-par", gone.id)
    assert sdk.get_deployment(deployment_id=gone.id).status != "deleting"
    config = load_config([write(tmp_path / "infermod.yaml", many(1))]).config
    OwnedOnly(gateway, "shop", config.protected(), {}).delete_deployment("fr-par", gone.id)
    assert sdk.get_deployment(deployment_id=gone.id).status == "deleting"


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


def test_an_adopted_model_is_deleted_only_through_the_configurations_id(gateway, sdk):
    from scaleway.inference.v1 import ModelSource

    source = ModelSource(url="https://huggingface.co/acme/support-bot-8b")
    adopted = sdk.create_model(name="hand-made", source=source)
    stranger = sdk.create_model(name="someone-elses", source=source)
    # an `id` naming another stack's import never makes it this stack's
    claimed = sdk.create_model(name="other--ft--0123abcd", source=source)
    guard = OwnedOnly(gateway, "shop", set(), {}, frozenset({adopted.id, claimed.id}))
    for model in (stranger, claimed):
        with pytest.raises(Refused, match="the configuration does not adopt it"):
            guard.delete_model("fr-par", model.id)
    guard.delete_model("fr-par", adopted.id)
    left = {m.id for m in sdk.list_models_all()}
    assert adopted.id not in left and {stranger.id, claimed.id} <= left


def test_a_catalog_model_is_never_deleted_even_when_the_configuration_adopts_it(gateway, sdk):
    catalog = model_id(sdk, LLAMA)
    guard = OwnedOnly(gateway, "shop", set(), {}, frozenset({catalog}))
    # refused by infermod itself, before any DELETE: not left to the API's own refusal
    with pytest.raises(Refused, match=f"refused to delete model `{LLAMA}` .*Scaleway's public catalog"):
        guard.delete_model("fr-par", catalog)
    assert catalog in {m.id for m in sdk.list_models_all(project_id=PUBLIC_PROJECT)}


def test_a_deployment_is_adopted_only_as_the_key_whose_id_names_it_and_never_from_another_stack(gateway, sdk):
    loose = create(sdk, "loose", ["team", "infermod:name=old"])  # a stale key tag, no stack: free
    theirs = create(sdk, "theirs", owned("blog", "theirs"))
    other_key = create(sdk, "other", owned("shop", "other"))
    guard = OwnedOnly(
        gateway, "shop", set(), {}, frozenset(), {loose.id: "chat", theirs.id: "chat", other_key.id: "chat"}
    )
    tags = ["team", *owned("shop", "chat")]
    with pytest.raises(Refused, match=r"deployments\.bot\.id does not name it"):
        guard.adopt_deployment("fr-par", loose.id, "bot", tags)
    for dep in (theirs, other_key):
        with pytest.raises(Refused, match="never takes over what another stack owns"):
            guard.adopt_deployment("fr-par", dep.id, "chat", tags)
    guard.adopt_deployment("fr-par", loose.id, "chat", tags)
    assert sorted(sdk.get_deployment(deployment_id=loose.id).tags) == sorted(tags)
    assert sdk.get_deployment(deployment_id=theirs.id).tags == owned("blog", "theirs")
    assert sdk.get_deployment(deployment_id=other_key.id).tags == owned("shop", "other")


@pytest.mark.parametrize("status", ["creating", "ready"])
def test_prevent_destroy_yields_only_for_a_duplicate_an_interrupted_run_left(emulator, gateway, sdk, status):
    # three copies of `chat`, each made by the create protocol of a different run: all but
    # the oldest are duplicates, and only they may be deleted; copies of another key or
    # stack, or a key with one copy, change nothing
    if status == "creating":
        emulator.app.store.ready_after = 60.0  # they stay `creating` throughout
    run = "infermod:run="
    copies = sorted(
        (create(sdk, "chat", [*owned("shop", "chat"), f"{run}r{i}"]) for i in (1, 2, 3)), key=lambda d: d.id
    )
    # the oldest is the copy whose id is between the others': no order of ids decides it
    emulator.app.store.deployments[copies[1].id]["created_at"] = "2020-01-01T00:00:00.000000Z"
    oldest, younger = copies[1], [copies[0], copies[2]]
    create(sdk, "chat", [*owned("shop", "bot"), f"{run}r4"])  # another key's copy
    create(sdk, "chat", [*owned("other", "chat"), f"{run}r5"])  # another stack's copy
    single = create(sdk, "solo", [*owned("shop", "solo"), f"{run}r6"])
    while any(d.status != status for d in sdk.list_deployments_all()):
        time.sleep(0.05)
    emulator.app.store.ready_after = 60.0  # deletions last
    guard = OwnedOnly(gateway, "shop", {"chat", "solo"}, {})
    for protected in (oldest, single):
        with pytest.raises(Refused, match=r"lifecycle\.prevent_destroy is set"):
            guard.delete_deployment("fr-par", protected.id)
    for duplicate in younger:
        guard.delete_deployment("fr-par", duplicate.id)
    now = {d.id: d.status for d in sdk.list_deployments_all()}
    assert [now[d.id] for d in younger] == ["deleting", "deleting"]
    assert now[oldest.id] == status and now[single.id] == status


def test_a_deleting_copy_does_not_make_the_last_live_one_a_duplicate(emulator, gateway, sdk):
    emulator.app.store.ready_after = 60.0  # the older copy stays `deleting` throughout
    run = "infermod:run="
    copies = [create(sdk, "chat", [*owned("shop", "chat"), f"{run}r{i}"]) for i in (1, 2)]
    gone, live = sorted(copies, key=lambda d: (d.created_at, d.id))
    sdk.delete_deployment(deployment_id=gone.id)  # the older copy is already going
    with pytest.raises(Refused, match=r"lifecycle\.prevent_destroy is set"):
        OwnedOnly(gateway, "shop", {"chat"}, {}).delete_deployment("fr-par", live.id)
    status = {d.id: d.status for d in sdk.list_deployments_all()}
    assert status == {gone.id: "deleting", live.id: "creating"}


def test_an_endpoint_the_deployment_has_is_changed(gateway, sdk):
    mine = create(sdk, "mine", owned("shop", "chat"))
    while sdk.get_deployment(deployment_id=mine.id).status != "ready":  # updates wait for ready
        time.sleep(0.05)
    endpoint = mine.endpoints[0].id
    OwnedOnly(gateway, "shop", set(), {endpoint: mine.id}).update_endpoint("fr-par", endpoint, True)
    assert sdk.get_deployment(deployment_id=mine.id).endpoints[0].disable_auth is True


def test_an_endpoint_of_another_deployment_is_refused_whatever_its_id(gateway, sdk):
    # a foreign endpoint id sorting before and one sorting after the deployment's own
    # Ids are random: an own id near either end of the range would leave every foreign id on one
    # side (1 run in 20 with 40 tries). Keep one from the middle, so both sides come quickly.
    for _ in range(64):
        mine = create(sdk, "mine", owned("shop", "chat"))
        if "4" <= mine.endpoints[0].id[0] <= "b":
            break
        sdk.delete_deployment(deployment_id=mine.id)
    own = mine.endpoints[0].id
    foreign: dict[bool, str] = {}
    for i in range(200):
        theirs = create(sdk, f"theirs-{i}", owned("other", f"k{i}")).endpoints[0].id
        foreign.setdefault(theirs < own, theirs)
        if len(foreign) == 2:
            break
    guard = OwnedOnly(gateway, "shop", set(), {e: mine.id for e in foreign.values()})
    for endpoint in foreign.values():
        with pytest.raises(Refused, match="has no such endpoint"):
            guard.update_endpoint("fr-par", endpoint, True)
    assert len(foreign) == 2
