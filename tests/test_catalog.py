"""The catalog's shared facts: which entry names a model, how days are counted, the snapshot."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infermod.catalog import Lifecycle, days_until, lifecycle_names, load_snapshot, stage_of

DAY = dt.date(2026, 11, 25)


def test_a_model_is_found_under_its_name_then_without_variant_then_without_provider():
    assert lifecycle_names("meta/llama-3:fp8") == (
        "meta/llama-3:fp8",
        "meta/llama-3",
        "llama-3:fp8",
        "llama-3",
    )
    active = Lifecycle("Active", "general_availability", None, None)
    snap = load_snapshot(DAY)
    for names in (["meta/llama-3"], ["llama-3:fp8"], ["llama-3"]):
        catalog = snap._replace(lifecycle=dict.fromkeys(names, active))
        assert catalog.lifecycle_of("meta/llama-3:fp8") == active
    exact = Lifecycle("Preview", "preview", None, None)
    catalog = snap._replace(lifecycle={"meta/llama-3:fp8": exact, "llama-3": active})
    assert catalog.lifecycle_of("meta/llama-3:fp8") == exact  # the most exact name wins
    assert catalog.lifecycle_of("meta/llama-3.1:fp8") is None  # a prefix is not a match


@given(st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1)), st.integers(-5000, 5000))
def test_days_until_is_the_calendar_difference(today, days):
    assert days_until(today + dt.timedelta(days=days), today) == days


@pytest.mark.parametrize(
    ("status", "eol_in", "stage"),
    [
        ("general_availability", None, "Active"),
        ("preview", None, "Preview"),
        ("public_beta", None, "Preview"),
        ("preview", 400, "Deprecated"),  # a date of End-of-Life outranks the status
        ("end_of_support", None, "Deprecated"),
        ("general_availability", 1, "Deprecated"),
        ("general_availability", 0, "End-of-Life"),  # on the day itself it cannot be used
        ("end_of_deployment", -1, "End-of-Life"),
        ("retired", None, "End-of-Life"),
        ("something_new", None, "Active"),
    ],
)
def test_stage_of_every_status_and_the_day_of_end_of_life(status, eol_in, stage):
    eol = None if eol_in is None else DAY + dt.timedelta(days=eol_in)
    assert stage_of(status, eol, DAY) == stage


def test_the_snapshot_resolves_its_dates_against_the_day_asked():
    for day in (DAY, dt.date(2030, 2, 28)):
        life = load_snapshot(day).lifecycle_of("mistral/mistral-7b-instruct-v0.3:bf16")
        assert life is not None
        assert days_until(life.end_of_life, day) == 55
        assert life.end_of_sale is not None and days_until(life.end_of_sale, day) == -120


def test_the_snapshot_keys_node_types_and_prices_per_region():
    snap = load_snapshot(DAY)
    assert snap.source == "snapshot" and snap.currency == "EUR"
    assert ("nl-ams", "H100") not in snap.node_types  # not offered there
    assert snap.node_types[("pl-waw", "H100-SXM-2")].stock == "out_of_stock"
    assert snap.node_types[("fr-par", "H100-SXM-8")].disabled
    assert set(snap.prices) == set(snap.node_types)
    assert all(price > 0 for price in snap.prices.values())
    model = snap.models[("fr-par", "meta/llama-3.1-8b-instruct:fp8")]
    assert (
        model.region == "fr-par"
        and model.support
        and ("fr-par", "mistral/mixtral-8x7b-instruct-v0.1:fp8") in snap.models
    )
