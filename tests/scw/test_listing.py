"""The plan's JSON list path gives exactly what the SDK path gives."""

from __future__ import annotations

import datetime as dt
import time

from dateutil import parser
from hypothesis import given
from hypothesis import strategies as st
from scaleway.inference.v1 import (
    EndpointPrivateNetworkDetails,
    EndpointPublicNetworkDetails,
    EndpointSpec,
)

from infermod.scw.convert import to_deployment
from infermod.scw.gateway import Gateway
from infermod.scw.listing import iso
from tests.conftest import PROJECT, sdk_client
from tests.helpers import create, model_id, owned


def test_json_list_equals_the_sdk_objects(more_regions, scw_env, sdk):
    create(sdk, "plain", owned("shop", "plain"))
    create(sdk, "bigger", ["x", "y"], region="nl-ams", node_type="L40S", size=2)
    sdk.create_deployment(
        region="fr-par",
        model_id=model_id(sdk),
        node_type_name="L4",
        name="private",
        accept_eula=True,
        endpoints=[
            EndpointSpec(disable_auth=True, public_network=EndpointPublicNetworkDetails()),
            EndpointSpec(
                disable_auth=False,
                private_network=EndpointPrivateNetworkDetails(
                    private_network_id="44444444-4444-4444-8444-444444444444"
                ),
            ),
        ],
        tags=[],
    )
    gateway = Gateway(sdk_client(scw_env.url))
    pairs = [(r, PROJECT) for r in ("fr-par", "nl-ams", "pl-waw")]
    deadline = time.monotonic() + 20  # settled first: both reads must see the same statuses
    while time.monotonic() < deadline and any(
        d.status != "ready" for r, _ in pairs for d in sdk.list_deployments_all(region=r)
    ):
        time.sleep(0.1)
    state, _ = gateway.read(pairs, kinds=("deployments",), with_products=False)
    through_sdk = [to_deployment(d) for r, _ in pairs for d in sdk.list_deployments_all(region=r)]
    assert sorted(state.deployments) == sorted(through_sdk) and len(through_sdk) == 3
    tagged = gateway.list_tagged("fr-par", PROJECT, ["infermod:stack=shop"])
    assert [d.name for d in tagged] == ["plain"]
    # Read for the stack `shop`: its deployment whole, the others light (no endpoints and no
    # timestamps), with everything else the checks read equal to the SDK's.
    light, _ = gateway.read(pairs, kinds=("deployments",), with_products=False, stack="shop")
    by_id = {d.id: d for d in through_sdk}
    for dep in light.deployments:
        full = by_id[dep.id]
        if dep.stack == "shop":
            assert dep == full
        else:
            assert dep == full._replace(endpoints=(), created_at="", updated_at="") and full.endpoints
    assert len(light.deployments) == 3
    assert light.fingerprint("shop") == state.fingerprint("shop")


@given(st.datetimes(timezones=st.just(dt.UTC)), st.sampled_from(["Z", "+00:00"]), st.booleans())
def test_timestamps_are_written_as_the_sdk_path_writes_them(when, suffix, micro):
    text = when.replace(tzinfo=None).isoformat(timespec="microseconds" if micro else "seconds") + suffix
    assert iso(text) == parser.isoparse(text).isoformat()
    assert iso(None) == iso("") == ""


def test_lists_ask_for_pages_of_1000_and_fall_back_to_100_when_refused(scw_env, sdk, monkeypatch):
    from infermod.emulator import server

    for i in range(150):
        create(sdk, f"d{i}", owned("shop", f"d{i}"))
    gateway = Gateway(sdk_client(scw_env.url))
    scw_env.reset_stats()
    assert len(gateway.list_tagged("fr-par", PROJECT, ["infermod:stack=shop"])) == 150
    assert scw_env.stats()["total"] == 1  # one page of 1,000
    monkeypatch.setattr(server, "MAX_PAGE_SIZE", 100)  # an API that refuses pages of 1,000
    scw_env.reset_stats()
    assert len(gateway.list_tagged("fr-par", PROJECT, ["infermod:stack=shop"])) == 150
    assert gateway.page_size == 100
    assert scw_env.stats()["total"] == 1 + 2  # the refused page, then two of 100
    scw_env.reset_stats()
    gateway.list_tagged("fr-par", PROJECT, ["infermod:stack=shop"])
    assert scw_env.stats()["total"] == 2  # remembered for the rest of the command


def test_deployments_read_share_their_common_strings_and_pages_are_parsed_by_the_reader(
    scw_env, sdk, monkeypatch
):
    """What deployments share (region, project, node type, model, the stack's tag) is
    one string in memory, however many deployments; their own (ids, key tags) are their own.
    Pages after the first are fetched in parallel but turned into records by the thread that
    lists (their JSON stays out of the fetching threads' memory)."""
    import threading

    from infermod.scw import listing

    for i in range(5):
        create(sdk, f"d{i}", owned("shop", f"d{i}"))
    parsed_in = set()
    original = listing.deployment_from_json

    def recording(d):
        parsed_in.add(threading.get_ident())
        return original(d)

    monkeypatch.setattr(listing, "deployment_from_json", recording)
    gateway = Gateway(sdk_client(scw_env.url))
    read = []
    reader = threading.Thread(
        target=lambda: read.extend(
            gateway._all(gateway._tagged("fr-par", PROJECT, []), "deployments", "list", size=2)
        )
    )
    reader.start()
    reader.join()
    assert len(read) == 5 and parsed_in == {reader.ident}  # three pages, all parsed by the reader
    first, *others = read
    for other in others:
        for field in ("region", "project_id", "node_type", "model_id", "model_name"):
            assert getattr(other, field) is getattr(first, field)
        assert other.tags[0] is first.tags[0]  # infermod:stack=shop
        assert other.id is not first.id
