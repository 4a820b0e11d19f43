"""The emulator answers like the real API: shapes, statuses and errors seen in recorded traffic."""

from __future__ import annotations

import json
import time

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from scaleway import ScalewayException
from scaleway.inference.v1 import ModelSource
from scaleway.inference.v1.content import DEPLOYMENT_TRANSIENT_STATUSES
from scaleway_core.utils import WaitForOptions

from infermod.emulator.quota import parse_node_quota, quota_key
from infermod.emulator.store import TRANSIENT
from tests.conftest import SECRET_KEY
from tests.helpers import PUBLIC_PROJECT, create

FAST = WaitForOptions(timeout=20, min_delay=1, max_delay=1)
AUTH = {"x-auth-token": SECRET_KEY}


def error_of(call) -> tuple[int, dict]:
    with pytest.raises(ScalewayException) as info:
        call()
    return info.value.status_code, json.loads(info.value.response.text)


def settle(sdk, deployment_id: str):
    """Poll quickly (the SDK waiter sleeps at least a second) until the status is final."""
    deadline = time.monotonic() + 10
    while (dep := sdk.get_deployment(deployment_id=deployment_id)).status in TRANSIENT:
        assert time.monotonic() < deadline, dep.status
        time.sleep(0.03)
    return dep


def set_status(emulator, deployment_id: str, status: str) -> requests.Response:
    return requests.post(
        f"{emulator.url}/emulator/v1/deployments/{deployment_id}/status", json={"status": status}, timeout=5
    )


def test_every_model_lists_every_node_type(sdk):
    node_types = [n.name for n in sdk.list_node_types_all(include_disabled_types=True)]
    models = sdk.list_models_all(project_id=PUBLIC_PROJECT)
    assert models and all(m.project_id == PUBLIC_PROJECT for m in models)
    for model in models:
        listed = [n.node_type_name for n in model.nodes_support[0].nodes]
        assert listed == node_types
        bits = [[q.quantization_bits for q in n.quantizations] for n in model.nodes_support[0].nodes]
        assert all(b == [4, 8, 16, 32] for b in bits)
        for node in model.nodes_support[0].nodes:
            for q in node.quantizations:
                assert q.allowed == (q.max_context_size > 0)
    llama = next(m for m in models if m.name == "meta/llama-3.1-8b-instruct:fp8")
    sxm = next(n for n in llama.nodes_support[0].nodes if n.node_type_name == "H100-SXM-2")
    assert not any(q.allowed for q in sxm.quantizations)  # listed, but it cannot run there


def test_custom_models_list_every_node_type_too(sdk):
    model = sdk.create_model(
        name="coder", source=ModelSource(url="https://huggingface.co/agentica-org/DeepCoder-14B-Preview")
    )
    ready = sdk.get_model(model_id=model.id)  # already imported by Scaleway: ready at once
    fits = {
        n.node_type_name: [q.quantization_bits for q in n.quantizations if q.allowed]
        for n in ready.nodes_support[0].nodes
    }
    assert fits["L4"] == [] and fits["L40S"] == [] and fits["H100"] == [32] and fits["H100-2"] == [32]
    assert ready.tags == ["custom"] and ready.parameter_size_bits == 32


def test_status_sequence_and_recorded_keys(emulator, sdk):
    dep = create(sdk, "seq", [])
    raw = requests.get(
        f"{emulator.url}/inference/v1/regions/fr-par/deployments/{dep.id}", headers=AUTH, timeout=5
    ).json()
    assert raw["status"] == "creating" and "error_message" not in raw and raw["updated_at"] is None
    seen = []
    deadline = time.monotonic() + 10
    while (not seen or seen[-1] != "ready") and time.monotonic() < deadline:
        status = sdk.get_deployment(deployment_id=dep.id).status
        if not seen or seen[-1] != status:
            seen.append(status)
        time.sleep(0.02)
    assert seen == ["creating", "deploying", "ready"]
    ready = requests.get(
        f"{emulator.url}/inference/v1/regions/fr-par/deployments/{dep.id}", headers=AUTH, timeout=5
    ).json()
    assert ready["error_message"] == "" and ready["updated_at"]


def settled_after(sdk, updated):
    """Final and later than the update: the blip's `ready` keeps the update's own `updated_at`
    (recorded), so the first `ready` after an update is not yet the change done."""
    deadline = time.monotonic() + 10
    while (dep := settle(sdk, updated.id)).updated_at == updated.updated_at:
        assert time.monotonic() < deadline, dep.status
        time.sleep(0.03)
    return dep


def test_rename_and_tag_changes_briefly_redeploy(sdk):
    dep = settle(sdk, create(sdk, "old", ["a"]).id)
    renamed = sdk.update_deployment(deployment_id=dep.id, name="new")
    assert renamed.status == "deploying"
    assert settled_after(sdk, renamed).status == "ready"
    retagged = sdk.update_deployment(deployment_id=dep.id, tags=["b"])
    assert retagged.status == "deploying"
    settled_after(sdk, retagged)
    assert sdk.update_deployment(deployment_id=dep.id, tags=["b"]).status == "ready"  # nothing changed


def test_locked_is_final_and_refuses_every_change(emulator, sdk):
    dep = settle(sdk, create(sdk, "lockme", []).id)
    assert set_status(emulator, dep.id, "locked").json()["status"] == "locked"
    assert sdk.get_deployment(deployment_id=dep.id).status == "locked"
    assert "locked" not in DEPLOYMENT_TRANSIENT_STATUSES  # the SDK's waiter stops on it
    for call in (
        lambda: sdk.delete_deployment(deployment_id=dep.id),
        lambda: sdk.update_deployment(deployment_id=dep.id, name="x"),
        lambda: sdk.delete_endpoint(endpoint_id=dep.endpoints[0].id),
    ):
        status, body = error_of(call)
        assert (status, body["type"], body["resource_id"]) == (403, "locked", dep.id)


def test_deleted_status_then_gone(emulator, sdk):
    dep = create(sdk, "bye", [])
    assert set_status(emulator, dep.id, "deleted").json()["status"] == "deleted"
    assert sdk.get_deployment(deployment_id=dep.id).status == "deleted"
    time.sleep(0.4)
    assert error_of(lambda: sdk.get_deployment(deployment_id=dep.id))[0] == 404
    assert set_status(emulator, "nope", "locked").status_code == 404
    assert set_status(emulator, dep.id, "bogus").status_code in (400, 404)


def test_too_many_requests_carries_reset_seconds():
    from tests.conftest import start_emulator

    running, server = start_emulator(fault_rate=1.0, seed=3, retry_after=7)
    try:
        for _ in range(30):
            response = requests.get(
                f"{running.url}/inference/v1/regions/fr-par/deployments", headers=AUTH, timeout=5
            )
            if response.status_code == 429:
                break
        body = response.json()
        assert (body["type"], body["reset_seconds"], body["limit"]["quota"] > 0) == (
            "too_many_requests",
            7,
            True,
        )
    finally:
        server.shutdown()
        server.server_close()


@given(
    st.dictionaries(
        st.from_regex(r"[A-Z][A-Z0-9]{0,5}(-[A-Z0-9]{1,3})?", fullmatch=True),
        st.integers(0, 9999),
        min_size=1,
    )
)
def test_node_quota_round_trips(quota):
    assert parse_node_quota(",".join(f"{k}={v}" for k, v in quota.items())) == quota


@pytest.mark.parametrize("text", ["", "H100", "H100=x", "=3", "H100=-1", ","])
def test_node_quota_rejects_bad_text(text):
    with pytest.raises(ValueError):
        parse_node_quota(text)


def test_quota_families():
    quota = {"H100": 3, "H100-SXM": 1, "L4": 5}
    assert [quota_key(n, quota) for n in ("H100", "H100-2", "H100-SXM-8", "L4", "L40S")] == [
        "H100",
        "H100",
        "H100-SXM",
        "L4",
        None,
    ]


def test_emulator_command_rejects_a_bad_quota(cli):
    result = cli("emulator", "--node-quota", "H100=lots")
    assert result.code == 1 and "--node-quota" in result.err and "NODE_TYPE=COUNT" in result.err


def test_error_bodies_carry_the_fields_the_sdks_parse(emulator, sdk):
    """Field names from scaleway-sdk-go scw/errors.go and @scaleway/sdk-client's standard errors."""
    model = sdk.create_model(
        name="used", source=ModelSource(url="https://huggingface.co/agentica-org/DeepCoder-14B-Preview")
    )
    url = f"{emulator.url}/inference/v1/regions/fr-par/deployments"
    body = {"project_id": sdk.client.default_project_id, "model_id": model.id, "node_type_name": "H100"}
    refused = requests.post(url, headers=AUTH, json=body, timeout=5)
    dep = requests.post(url, headers=AUTH, json={**body, "endpoints": [{"public_network": {}}]}, timeout=5)
    assert (refused.status_code, dep.status_code) == (400, 200)
    answers = {
        "invalid_arguments": refused.json(),
        "precondition_failed": error_of(lambda: sdk.delete_model(model_id=model.id))[1],
        "transient_state": error_of(lambda: sdk.update_deployment(deployment_id=dep.json()["id"], name="x"))[
            1
        ],
        "not_found": error_of(lambda: sdk.get_model(model_id="00000000-0000-4000-8000-000000000000"))[1],
    }
    fields = {
        "invalid_arguments": {"type", "message", "details"},
        "precondition_failed": {"type", "message", "precondition", "help_message"},
        "transient_state": {"type", "message", "resource", "resource_id", "current_state"},
        "not_found": {"type", "message", "resource", "resource_id"},
    }
    for kind, answer in answers.items():
        assert (answer["type"], set(answer)) == (kind, fields[kind])
    assert set(answers["invalid_arguments"]["details"][0]) == {"argument_name", "reason", "help_message"}
    assert answers["not_found"]["resource"] == "Model"
