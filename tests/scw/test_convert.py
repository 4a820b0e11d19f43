"""SDK objects to infermod's data: the live catalog read through the real SDK from the emulator
is the shipped snapshot it serves, and what is not this stack's to see is left out."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scaleway.inference.v1 import InferenceV1API
from scaleway.product_catalog.v2alpha1 import ProductCatalogV2Alpha1PublicCatalogAPI

from infermod.catalog import load_snapshot
from infermod.scw.convert import PUBLIC_PROJECT_ID, RegionRead, catalog_of, state_of, to_deployment
from infermod.scw.gateway import Gateway
from tests.conftest import OTHER_PROJECT, PROJECT, sdk_client, start_emulator
from tests.helpers import create

REGIONS = ("fr-par", "nl-ams", "pl-waw")


@pytest.fixture(scope="module")
def products() -> Iterator[list]:
    """The Product Catalog as the SDK reads it from the emulator (read once: hypothesis varies it)."""
    running, server = start_emulator()
    try:
        yield list(
            ProductCatalogV2Alpha1PublicCatalogAPI(sdk_client(running.url)).list_public_catalog_products_all()
        )
    finally:
        server.shutdown()
        server.server_close()


def test_the_live_catalog_is_the_snapshot_the_emulator_serves(more_regions, emulator):
    _, live = Gateway(sdk_client(emulator.url)).read(
        [(r, PROJECT) for r in REGIONS], kinds=("models", "node_types")
    )
    snapshot = load_snapshot()
    assert live.source == "live" and live.currency == snapshot.currency
    assert live.node_types == snapshot.node_types
    assert live.prices == snapshot.prices  # units + nanos back to the price per node-hour
    assert live.lifecycle == snapshot.lifecycle and live.lifecycle  # statuses and UTC dates
    assert set(live.models) == set(snapshot.models)
    for key, model in snapshot.models.items():
        # the API lists every node type of the region and every bits, the unusable ones as not
        # allowed; the snapshot lists only what can run, on any region's node types
        region = key[0]
        allowed = {
            node: tuple(q for q in quants if q.allowed) for node, quants in live.models[key].support.items()
        }
        assert {n: q for n, q in allowed.items() if q} == {
            n: q for n, q in model.support.items() if (region, n) in snapshot.node_types
        }
        assert live.models[key]._replace(id="", support={}) == model._replace(support={})


def product_of(products: list, variant: str):
    return next(p for p in products if p.variant == variant and p.properties.generative_apis)


@given(
    moment=st.datetimes(
        min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.timezones()
    )
)
def test_end_of_life_is_the_utc_date_of_the_moment_whatever_its_offset(products, moment):
    model = dataclasses.replace(product_of(products, "meta/llama-3.1-8b-instruct:fp8"), end_of_life_at=moment)
    life = catalog_of([], [model]).lifecycle["meta/llama-3.1-8b-instruct:fp8"]
    assert life.end_of_life == moment.astimezone(dt.UTC).date()


@given(units=st.integers(0, 10**6), nanos=st.integers(0, 999_999_999))
def test_a_price_is_its_units_and_nanos(products, units, nanos):
    node = next(p for p in products if p.properties.managed_inference)
    money = dataclasses.replace(node.price.retail_price, units=units, nanos=nanos)
    node = dataclasses.replace(node, price=dataclasses.replace(node.price, retail_price=money))
    price = catalog_of([], [node]).prices[(str(node.locality.region), node.variant)]
    assert price == pytest.approx(units + nanos / 1e9, rel=1e-12, abs=1e-9)


def test_state_keeps_this_projects_live_deployments_and_catalog_keeps_only_usable_models(emulator, sdk):
    mine = create(sdk, "mine", [])
    create(sdk, "theirs", [], project_id=OTHER_PROJECT)
    going = create(sdk, "going", [])
    emulator.app.store.set_status(going.id, "deleted")
    api = InferenceV1API(sdk_client(emulator.url))
    deployments = [
        to_deployment(d) for p in (PROJECT, OTHER_PROJECT) for d in api.list_deployments_all(project_id=p)
    ]
    models = list(api.list_models_all(project_id=PUBLIC_PROJECT_ID))
    other_custom = dataclasses.replace(models[0], name="their-ft", project_id=OTHER_PROJECT)
    own_custom = dataclasses.replace(models[0], name="our-ft", project_id=PROJECT)
    read = RegionRead("fr-par", PROJECT, deployments, [*models, other_custom, own_custom])
    state = state_of([read])
    assert [d.id for d in state.deployments] == [mine.id]  # not another project's, not a deleted one
    assert [m.name for m in state.models] == ["our-ft"]  # the project's custom models only
    assert state.regions == (("fr-par", PROJECT),)
    names = {name for _, name in catalog_of([read], []).models}
    assert "our-ft" in names and "their-ft" not in names and models[0].name in names
