"""Contract tests: every emulator route through the real SDK over HTTP."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest
import requests
from scaleway import ScalewayException
from scaleway.inference.v1 import (
    DeploymentQuantization,
    EndpointPrivateNetworkDetails,
    EndpointPublicNetworkDetails,
    EndpointSpec,
    InferenceV1API,
    ModelSource,
)
from scaleway.product_catalog.v2alpha1 import ProductCatalogV2Alpha1PublicCatalogAPI
from scaleway_core.utils import WaitForOptions

from infermod.emulator.store import BLIP
from tests.conftest import OTHER_PROJECT, PROJECT, SECRET_KEY, sdk_client, start_emulator
from tests.helpers import LLAMA, PUBLIC_PROJECT, create, model_id, settled_model

FAST = WaitForOptions(timeout=20, min_delay=1, max_delay=1)
PN = "33333333-3333-4333-8333-333333333333"
AUTH = {"x-auth-token": SECRET_KEY}


def error_of(call) -> tuple[int, dict]:
    with pytest.raises(ScalewayException) as info:
        call()
    return info.value.status_code, json.loads(info.value.response.text)


def test_deployment_lifecycle_through_the_sdk(sdk, emulator):
    dep = create(sdk, "chat", ["a", "b"])
    assert dep.status == "creating" and dep.size == 0 and dep.tags == ["a", "b"]
    assert dep.endpoints[0].url.startswith("https://") and dep.endpoints[0].public_network is not None
    seen = {sdk.get_deployment(deployment_id=dep.id).status}
    ready = sdk.wait_for_deployment(deployment_id=dep.id, options=FAST)
    # the default is the largest quantization the catalog allows: an fp8 model runs at 8 bits only
    assert ready.status == "ready" and ready.size == 1 and ready.quantization.bits == 8
    assert seen <= {"creating", "deploying"}
    now = [time.time()]  # the emulator's clock, stepped by hand from here
    emulator.app.store.clock = lambda: now[0]
    updated = sdk.update_deployment(deployment_id=dep.id, min_size=2, max_size=2, tags=["c"])
    assert updated.status == "scaling" and updated.tags == ["c"]
    # the recorded blip: `ready` with the update's own updated_at, then the change for real
    blip = sdk.get_deployment(deployment_id=dep.id)
    assert (blip.status, blip.updated_at) == ("ready", updated.updated_at)
    now[0] += 0.3 * BLIP + 0.001
    again = sdk.get_deployment(deployment_id=dep.id)
    assert again.status == "scaling" and again.updated_at > updated.updated_at
    status, body = error_of(lambda: sdk.update_deployment(deployment_id=dep.id, tags=["d"]))
    assert (status, body["type"], body["current_state"]) == (409, "transient_state", "scaling")
    now[0] += 0.3
    done = sdk.get_deployment(deployment_id=dep.id)
    assert (done.status, done.size) == ("ready", 2) and done.updated_at > again.updated_at
    emulator.app.store.clock = time.time
    deleting = sdk.delete_deployment(deployment_id=dep.id)
    assert deleting.status == "deleting"
    time.sleep(0.2)
    status, body = error_of(lambda: sdk.get_deployment(deployment_id=dep.id))
    assert (status, body["type"], body["resource"]) == (404, "not_found", "deployment")


def test_endpoints_create_update_delete(sdk):
    dep = sdk.wait_for_deployment(deployment_id=create(sdk, "e", []).id, options=FAST)
    private = sdk.create_endpoint(
        deployment_id=dep.id,
        endpoint=EndpointSpec(
            disable_auth=True, private_network=EndpointPrivateNetworkDetails(private_network_id=PN)
        ),
    )
    assert private.private_network.private_network_id == PN and private.disable_auth is True
    assert sdk.update_endpoint(endpoint_id=private.id, disable_auth=False).disable_auth is False
    assert (
        error_of(
            lambda: sdk.create_endpoint(
                deployment_id=dep.id,
                endpoint=EndpointSpec(disable_auth=False, public_network=EndpointPublicNetworkDetails()),
            )
        )[0]
        == 400
    )
    sdk.delete_endpoint(endpoint_id=dep.endpoints[0].id)
    remaining = sdk.get_deployment(deployment_id=dep.id).endpoints
    assert [e.id for e in remaining] == [private.id]
    status, body = error_of(lambda: sdk.delete_endpoint(endpoint_id=private.id))
    assert status == 400 and body["details"][0]["reason"] == "last_endpoint"
    cert = sdk.get_deployment_certificate(deployment_id=dep.id)
    assert cert.name == "ca.pem"


def test_immutable_fields_and_rejections(more_regions, sdk):
    spec = [EndpointSpec(disable_auth=False, public_network=EndpointPublicNetworkDetails())]

    def refused(model=LLAMA, region="fr-par", **overrides):
        fields = {
            "node_type_name": "L4",
            "endpoints": spec,
            "accept_eula": True,
            "min_size": 1,
            "max_size": 1,
            **overrides,
        }
        return error_of(
            lambda: sdk.create_deployment(region=region, model_id=model_id(sdk, model, region), **fields)
        )

    status, body = refused(accept_eula=False)
    assert (status, body["type"], body["details"][0]["argument_name"]) == (
        400,
        "invalid_arguments",
        "accept_eula",
    )
    assert refused(node_type_name="H100-SXM-2")[1]["details"][0]["reason"] == "unsupported"
    assert refused(quantization=DeploymentQuantization(bits=4))[1]["details"][0]["reason"] == "not_allowed"
    assert refused(max_size=2)[1]["details"][0]["argument_name"] == "max_size"
    status, body = refused("qwen/qwen3-coder-30b-a3b-instruct:fp8", "pl-waw", node_type_name="H100-SXM-2")
    assert (status, body["type"], body["resource"]) == (503, "out_of_stock", "node_type")
    eol = refused("mistral/mixtral-8x7b-instruct-v0.1:fp8", node_type_name="H100")
    assert eol[1]["details"][0]["reason"] == "end_of_life"
    dep = create(sdk, "imm", [])
    raw = requests.patch(
        f"{sdk.client.api_url}/inference/v1/regions/fr-par/deployments/{dep.id}",
        json={"node_type_name": "L40S"},
        headers={"x-auth-token": SECRET_KEY},
        timeout=5,
    )
    assert raw.status_code == 400 and raw.json()["details"][0]["reason"] == "immutable"


def test_auth_permissions_and_quota(more_regions, emulator, sdk):
    assert (
        requests.get(f"{emulator.url}/inference/v1/regions/fr-par/deployments", timeout=5).json()["type"]
        == "denied_authentication"
    )
    status, body = error_of(lambda: create(sdk, "x", [], project_id="ffffffff-ffff-ffff-ffff-ffffffffffff"))
    assert (status, body["type"]) == (403, "permissions_denied")
    emulator.app.store.node_quota = {"L4": 2, "H100": 3}
    create(sdk, "q1", [], size=1)
    create(sdk, "q2", [], size=1, project_id=OTHER_PROJECT, region="nl-ams")  # one organization
    status, body = error_of(lambda: create(sdk, "q3", []))
    assert (status, body["type"]) == (403, "quotas_exceeded")
    assert body["details"][0] | {"resource": ""} == {"resource": "", "quota": 2, "current": 2}
    create(sdk, "big", [], node_type="H100-2", size=3)  # H100 covers H100-2, counted in nodes
    assert error_of(lambda: create(sdk, "h", [], node_type="H100"))[1]["details"][0]["quota"] == 3
    create(sdk, "l40s", [], node_type="L40S", size=5)  # no key covers L40S: unlimited


def test_projects_are_isolated(sdk):
    create(sdk, "mine", [])
    create(sdk, "theirs", [], project_id=OTHER_PROJECT)
    assert [d.name for d in sdk.list_deployments_all(project_id=PROJECT)] == ["mine"]
    assert [d.name for d in sdk.list_deployments_all(project_id=OTHER_PROJECT)] == ["theirs"]


def test_pagination_filters_and_past_the_end(more_regions, sdk):
    for i in range(45):
        create(sdk, f"dep-{i:02d}", ["all", "even" if i % 2 == 0 else "odd"], region="nl-ams")
    assert len(sdk.list_deployments_all(region="nl-ams", page_size=10)) == 45
    page = sdk.list_deployments(region="nl-ams", page=5, page_size=10)
    assert (len(page.deployments), page.total_count) == (5, 45)
    past = sdk.list_deployments(region="nl-ams", page=9, page_size=10)
    assert past.deployments == [] and past.total_count == 45
    assert len(sdk.list_deployments_all(region="nl-ams", tags=["all", "even"])) == 23
    assert [d.name for d in sdk.list_deployments_all(region="nl-ams", name="dep-07")] == ["dep-07"]
    names = [d.name for d in sdk.list_deployments_all(region="nl-ams", order_by="name_asc", page_size=100)]
    assert names == sorted(names)
    assert sdk.list_deployments_all(region="fr-par") == []


def test_models_import_list_and_delete(sdk):
    ok = sdk.create_model(name="m-ok", source=ModelSource(url="https://huggingface.co/acme/support-bot-8b"))
    bad = sdk.create_model(name="m-bad", source=ModelSource(url="https://huggingface.co/acme/unknown"))
    gated = sdk.create_model(
        name="m-gated", source=ModelSource(url="https://huggingface.co/acme/gated-model", secret="hf_x")
    )
    assert ok.status == "preparing"
    ready = sdk.wait_for_model(model_id=ok.id, options=FAST)  # the SDK's waiter stops on ready
    assert ready.status == "ready" and ready.parameter_size_bits == 16
    assert any(n.node_type_name == "L40S" for n in ready.nodes_support[0].nodes)
    failed = settled_model(sdk, bad.id)
    assert failed.status == "error" and "repository not found" in failed.error_message
    assert settled_model(sdk, gated.id).status == "ready"
    assert {m.name for m in sdk.list_models_all()} == {"m-ok", "m-bad", "m-gated"}  # project filter
    assert LLAMA in {m.name for m in sdk.list_models_all(project_id=PUBLIC_PROJECT)}
    raw = requests.get(
        f"{sdk.client.api_url}/inference/v1/regions/fr-par/models?page_size=100", headers=AUTH, timeout=5
    )
    assert {"m-ok", LLAMA} <= {m["name"] for m in raw.json()["models"]}  # no filter: both
    deleted = requests.delete(
        f"{sdk.client.api_url}/inference/v1/regions/fr-par/models/{bad.id}", headers=AUTH, timeout=5
    )
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert error_of(lambda: sdk.get_model(model_id=bad.id))[0] == 404
    assert error_of(lambda: sdk.delete_model(model_id=model_id(sdk)))[1]["type"] == "permissions_denied"


def test_node_types_and_catalog_products(emulator, sdk):
    types = sdk.list_node_types_all(include_disabled_types=True)
    names = {t.name: t for t in types}
    assert {"L4", "L40S", "H100", "H100-2", "H100-SXM-2"} <= set(names)
    assert names["H100-SXM-8"].disabled and names["L4"].vram == 24 * 2**30
    assert "H100-SXM-8" not in {t.name for t in sdk.list_node_types_all(include_disabled_types=False)}
    catalog = ProductCatalogV2Alpha1PublicCatalogAPI(sdk.client)
    products = catalog.list_public_catalog_products_all(page_size=5)
    statuses = {str(p.status) for p in products if p.properties.generative_apis}
    assert {"preview", "general_availability", "end_of_sale", "end_of_life"} <= statuses
    l4 = next(p for p in products if p.variant == "L4" and p.locality.region == "fr-par")
    assert (l4.price.retail_price.units, l4.price.retail_price.nanos) == (0, 930000000)
    deprecated = next(p for p in products if p.variant == "mistral/mistral-7b-instruct-v0.3:bf16")
    assert deprecated.end_of_life_at is not None


def test_stats_and_reset(emulator, sdk):
    sdk.list_deployments_all()
    stats = requests.get(f"{emulator.url}/emulator/v1/stats", timeout=5).json()
    assert stats["routes"]["GET /inference/v1/regions/{region}/deployments"] == 1
    create(sdk, "r", [])
    assert requests.post(f"{emulator.url}/emulator/v1/reset", timeout=5).json() == {"reset": True}
    assert sdk.list_deployments_all() == []
    assert requests.get(f"{emulator.url}/emulator/v1/stats", timeout=5).json()["total"] == 1


def test_faults_and_lost_create_responses():
    running, server = start_emulator(fault_rate=1.0, seed=7, lose_create_responses=1)
    try:
        client = sdk_client(running.url)
        api = InferenceV1API(client)
        codes = set()
        for _ in range(12):
            response = requests.get(
                f"{running.url}/inference/v1/regions/fr-par/deployments",
                headers={"x-auth-token": SECRET_KEY},
                timeout=5,
            )
            codes.add((response.status_code, response.headers.get("content-type")))
        assert (429, "application/json") in codes and (503, "text/html") in codes
        running.app.settings = running.app.settings._replace(fault_rate=0.0)
        with pytest.raises(requests.ConnectionError):
            create(api, "lost", ["t"])
        assert [d.name for d in api.list_deployments_all()] == ["lost"]  # done, though never answered
    finally:
        server.shutdown()
        server.server_close()


def test_state_dir_survives_restart(tmp_path):
    state = str(tmp_path / "state")
    running, server = start_emulator(state_dir=state)
    client = sdk_client(running.url)
    dep = create(InferenceV1API(client), "kept", ["x"])
    server.shutdown()
    server.server_close()
    running, server = start_emulator(state_dir=state)
    try:
        client.api_url = running.url
        assert [d.id for d in InferenceV1API(client).list_deployments_all()] == [dep.id]
        assert not [p for p in (tmp_path / "state").iterdir() if p.name.endswith(".tmp")]
    finally:
        server.shutdown()
        server.server_close()


def test_emulator_command_prints_its_address_first(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "infermod", "emulator", "--port", "0", "--ready-after", "0.1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("Emulator listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1]
        assert requests.get(f"{url}/emulator/v1/stats", timeout=5).json()["total"] == 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_emulator_refuses_a_busy_port(cli):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = cli("emulator", "--port", str(port))
    assert result.code == 1 and "cannot listen on 127.0.0.1" in result.err


def test_auth_and_throttling_surface_as_sdk_exceptions(emulator):
    no_key = sdk_client(emulator.url, secret_key=None)
    status, body = error_of(lambda: InferenceV1API(no_key, bypass_validation=True).list_deployments())
    assert (status, body["type"]) == (401, "denied_authentication")
    running, server = start_emulator(fault_rate=1.0, seed=1)
    try:
        client = sdk_client(running.url)
        seen = set()
        for _ in range(10):
            with pytest.raises(Exception) as info:
                InferenceV1API(client).list_deployments()
            seen.add(getattr(info.value, "status_code", type(info.value).__name__))
        assert 429 in seen and 503 in seen
    finally:
        server.shutdown()
        server.server_close()
