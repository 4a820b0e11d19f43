"""Scaleway failures as one readable line, from the error bodies the emulator really sends
through the real SDK (the field names are those the SDKs parse)."""

from __future__ import annotations

import re
import socket

import pytest
import requests
from scaleway.inference.v1 import EndpointPublicNetworkDetails, EndpointSpec, InferenceV1API, ModelSource

from infermod.errors import ScalewayError
from infermod.scw.errors import as_fatal, describe
from tests.conftest import sdk_client
from tests.helpers import create, settled_model

MISSING = "00000000-0000-4000-8000-000000000000"


def failure_of(call) -> BaseException:
    with pytest.raises(Exception) as info:
        call()
    return info.value


def test_each_kind_of_api_error_reads_as_one_line_with_what_to_act_on(emulator, sdk):
    model = sdk.create_model(name="ft", source=ModelSource(url="https://huggingface.co/acme/support-bot-8b"))
    settled_model(sdk, model.id)
    sdk.create_deployment(
        model_id=model.id,
        node_type_name="L40S",
        endpoints=[EndpointSpec(disable_auth=False, public_network=EndpointPublicNetworkDetails())],
    )
    emulator.app.store.ready_after = 60.0  # "web" stays creating however loaded the machine is
    dep = create(sdk, "web", [])
    emulator.app.store.node_quota = {"L4": 1}
    lines = {
        "invalid": describe(failure_of(lambda: create(sdk, "none", [], node_type="L4-XL"))),
        "transient": describe(failure_of(lambda: sdk.update_deployment(deployment_id=dep.id, name="x"))),
        "not_found": describe(failure_of(lambda: sdk.get_deployment(deployment_id=MISSING))),
        "in_use": describe(failure_of(lambda: sdk.delete_model(model_id=model.id))),
        "quota": describe(failure_of(lambda: create(sdk, "one-more", []))),
        "forbidden": describe(
            failure_of(lambda: create(sdk, "x", [], project_id="ffffffff-ffff-ffff-ffff-ffffffffffff"))
        ),
    }
    assert lines["invalid"].startswith("400 invalid_arguments: ") and "node_type_name: " in lines["invalid"]
    assert lines["transient"].startswith("409 transient_state: ")
    assert re.search(rf"\(\w+ {dep.id}, status creating\)$", lines["transient"])
    assert lines["not_found"].startswith("404 not_found: ") and lines["not_found"].endswith(f" {MISSING})")
    assert (
        lines["in_use"].startswith("412 precondition_failed: ")
        and "resource_still_in_use: " in lines["in_use"]
    )
    assert lines["quota"].startswith("403 quotas_exceeded: ")
    assert "quota 1, 1 in use; ask Scaleway for a higher quota" in lines["quota"]
    assert lines["forbidden"] == "403 permissions_denied: insufficient permissions (write inference)"
    assert all("\n" not in line for line in lines.values()), lines


def test_a_locked_deployment_says_only_scaleway_can_unlock_it(emulator, sdk):
    dep = create(sdk, "web", [])
    requests.post(
        f"{emulator.url}/emulator/v1/deployments/{dep.id}/status", json={"status": "locked"}, timeout=5
    )
    line = describe(failure_of(lambda: sdk.delete_deployment(deployment_id=dep.id)))
    assert (
        line.startswith("4")
        and " locked: " in line
        and line.endswith(f"{dep.id}: only Scaleway can unlock it)")
    )


def test_a_refused_key_names_the_variables_to_check(emulator):
    api = InferenceV1API(sdk_client(emulator.url, secret_key=None), bypass_validation=True)
    failure = failure_of(api.list_deployments)
    fatal = as_fatal(failure, "reading deployments in fr-par")
    assert isinstance(fatal, ScalewayError)
    assert str(fatal) == (
        "reading deployments in fr-par: 401 denied_authentication: "
        "the API key was refused; check SCW_ACCESS_KEY/SCW_SECRET_KEY"
    )


def test_an_unreachable_api_says_so_without_the_address_noise():
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    api = InferenceV1API(sdk_client(f"http://127.0.0.1:{port}"))
    assert describe(failure_of(api.list_deployments)) == "cannot reach the Scaleway API (ConnectionError)"
