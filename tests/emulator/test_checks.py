"""The emulated API's request checks, fuzzed over HTTP: whatever JSON a client sends to the
write routes, the answer is a Scaleway-shaped error or a success, never a crash."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infermod.emulator import catalog
from infermod.emulator.checks import FIELD_TYPES
from tests.conftest import PROJECT, SECRET_KEY, Running, start_emulator
from tests.helpers import LLAMA

AUTH = {"x-auth-token": SECRET_KEY}
BASE = "/inference/v1/regions/fr-par"

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(sorted(FIELD_TYPES)), inner, max_size=3)
    ),
    max_leaves=8,
)


def good_create() -> dict:
    model = next(m["id"] for m in catalog.public_models("fr-par") if m["name"] == LLAMA)
    return {
        "name": "fuzz",
        "project_id": PROJECT,
        "model_id": model,
        "node_type_name": "L4",
        "accept_eula": True,
        "min_size": 1,
        "max_size": 1,
        "endpoints": [{"public_network": {}}],
    }


# a valid request with some fields replaced or added, nested values included
bodies = st.builds(
    lambda changes: {**good_create(), **changes},
    st.dictionaries(st.sampled_from(sorted(FIELD_TYPES)), json_values, min_size=1, max_size=3),
)


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[Running, str]]:
    running, server = start_emulator(ready_after=0.0)
    dep = requests.post(
        running.url + BASE + "/deployments", json=good_create(), headers=AUTH, timeout=5
    ).json()
    try:
        yield running, dep["id"]
    finally:
        server.shutdown()
        server.server_close()


def answered(response: requests.Response) -> None:
    assert response.status_code < 500, response.text
    body = response.json()
    assert isinstance(body, dict)
    if response.status_code >= 400:
        assert isinstance(body.get("type"), str) and isinstance(body.get("message"), str)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, patch=st.dictionaries(st.sampled_from(sorted(FIELD_TYPES)), json_values, max_size=3))
def test_any_json_in_any_field_gets_an_answer_never_a_crash(api, body, patch):
    running, dep_id = api
    answered(requests.post(running.url + BASE + "/deployments", json=body, headers=AUTH, timeout=5))
    answered(requests.patch(f"{running.url}{BASE}/deployments/{dep_id}", json=patch, headers=AUTH, timeout=5))
    endpoint = {"deployment_id": dep_id, "endpoint": patch}
    answered(requests.post(running.url + BASE + "/endpoints", json=endpoint, headers=AUTH, timeout=5))
    answered(
        requests.post(
            running.url + BASE + "/models", json={"project_id": PROJECT, **patch}, headers=AUTH, timeout=5
        )
    )
