"""infermod follows the real API's semantics: catalog under the zero project, `deleted` is
gone, lifecycle facts only from a catalog entry (a warning without one)."""

from __future__ import annotations

import json

import requests
from scaleway.inference.v1 import ModelSource

from infermod.catalog import load_snapshot
from infermod.config.load import load_config
from infermod.errors import ScalewayError
from infermod.rules.lifecycle import lifecycle_findings
from infermod.scw.gateway import Gateway
from infermod.state import ActualState
from tests.conftest import OTHER_PROJECT, PROJECT, sdk_client, write
from tests.helpers import LLAMA, create, owned

CONFIG = """version: 1
stack: s
deployments:
  d:
    model: {model}
    node_type: L4
    accept_eula: true
    endpoints: [{{public: true}}]
"""


def test_the_catalog_is_read_without_a_project_filter(emulator, sdk):
    source = ModelSource(url="https://huggingface.co/acme/support-bot-8b")
    sdk.create_model(name="mine", source=source)
    sdk.create_model(name="theirs", project_id=OTHER_PROJECT, source=source)
    emulator.reset_stats()
    state, catalog = Gateway(sdk_client(emulator.url)).read([("fr-par", PROJECT), ("nl-ams", PROJECT)])
    names = {name for (region, name) in catalog.models if region == "fr-par"}
    assert LLAMA in names and "mine" in names and "theirs" not in names
    assert [m.name for m in state.models] == ["mine"]
    routes = emulator.stats()["routes"]
    assert routes["GET /inference/v1/regions/{region}/models"] == 2  # once per region, not per project


def test_models_are_listed_once_per_region_for_many_projects(emulator):
    emulator.reset_stats()
    Gateway(sdk_client(emulator.url)).read([("fr-par", PROJECT), ("fr-par", OTHER_PROJECT)])
    routes = emulator.stats()["routes"]
    assert routes["GET /inference/v1/regions/{region}/models"] == 1
    assert routes["GET /inference/v1/regions/{region}/deployments"] == 2


def test_a_deleted_deployment_is_gone(emulator, sdk):
    dep = create(sdk, "going", ["t"])
    requests.post(
        f"{emulator.url}/emulator/v1/deployments/{dep.id}/status", json={"status": "deleted"}, timeout=5
    )
    gateway = Gateway(sdk_client(emulator.url))
    assert gateway.get_deployment("fr-par", dep.id) is None
    assert gateway.find_deployments("fr-par", PROJECT, ["t"]) == []
    state, _ = gateway.read([("fr-par", PROJECT)], kinds=("deployments",), with_products=False)
    assert state.deployments == ()


def test_no_catalog_entry_is_a_warning_not_a_verdict(tmp_path):
    path = write(tmp_path / "infermod.yaml", CONFIG.format(model=LLAMA))
    config = load_config([path], {}).config
    snapshot = load_snapshot()
    assert not [f for f in lifecycle_findings(config, snapshot, None) if f.rule_id.startswith("lifecycle-")]
    bare = snapshot._replace(lifecycle={})
    (finding,) = [f for f in lifecycle_findings(config, bare, 30) if f.rule_id.startswith("lifecycle-")]
    assert finding.rule_id == "lifecycle-unknown" and finding.severity == "warning"
    assert "could not be checked" in finding.message and json.dumps(finding.message)


def test_the_organization_deployments_span_every_project(more_regions, emulator, sdk):
    create(sdk, "mine", [], size=2)
    create(sdk, "theirs", [], project_id=OTHER_PROJECT, region="nl-ams")
    found = Gateway(sdk_client(emulator.url)).organization_deployments(
        "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f", ["fr-par", "nl-ams", "pl-waw"]
    )
    assert sorted((d.name, d.project_id, d.min_size) for d in found) == [
        ("mine", PROJECT, 2),
        ("theirs", OTHER_PROJECT, 1),
    ]


def test_lifecycle_entries_match_with_or_without_variant_and_provider():
    snapshot = load_snapshot()
    life = snapshot.lifecycle["meta/llama-3.1-8b-instruct:fp8"]
    for entries in (
        {"meta/llama-3.1-8b-instruct:fp8": life},
        {"meta/llama-3.1-8b-instruct": life},
        {"llama-3.1-8b-instruct:fp8": life},
        {"llama-3.1-8b-instruct": life},
    ):
        assert snapshot._replace(lifecycle=entries).lifecycle_of("meta/llama-3.1-8b-instruct:fp8") == life
    assert (
        snapshot._replace(lifecycle={"llama-3.1-8b": life}).lifecycle_of("meta/llama-3.1-8b-instruct:fp8")
        is None
    )


def test_an_organization_that_cannot_be_listed_counts_the_projects_only(emulator, monkeypatch):
    client = sdk_client(emulator.url)
    client.default_organization_id = "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f"
    gateway = Gateway(client)
    state, _ = gateway.read(
        [("fr-par", PROJECT)], kinds=("deployments",), with_products=False, with_organization=True
    )
    assert state.organization == ()

    def refused(*_args, **_kwargs):
        raise ScalewayError("cannot list the organization's deployments: 403 permissions_denied")

    monkeypatch.setattr(gateway, "organization_deployments", refused)
    state, _ = gateway.read(
        [("fr-par", PROJECT)], kinds=("deployments",), with_products=False, with_organization=True
    )
    assert state.organization is None


def test_an_organization_read_is_split_by_project_not_read_twice(emulator, sdk, monkeypatch):
    create(sdk, "mine", owned("shop", "mine"))
    create(sdk, "theirs", [], project_id=OTHER_PROJECT)
    client = sdk_client(emulator.url)
    client.default_organization_id = "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f"
    gateway = Gateway(client)
    emulator.reset_stats()

    def read() -> ActualState:
        state, _ = gateway.read(
            [("fr-par", PROJECT)],
            kinds=("deployments",),
            with_products=False,
            with_organization=True,
            stack="shop",
        )
        return state

    state = read()
    assert [d.name for d in state.deployments] == ["mine"] and state.deployments[0].endpoints
    assert [d.name for d in state.organization or ()] == ["theirs"]
    lists = emulator.stats()["routes"]["GET /inference/v1/regions/{region}/deployments"]
    assert lists == 1  # the organization's one page; the project's deployments are in it

    def refused(*_args, **_kwargs):
        raise ScalewayError("cannot list the organization's deployments: 403 permissions_denied")

    monkeypatch.setattr(gateway, "organization_deployments", refused)
    state = read()
    assert [d.name for d in state.deployments] == ["mine"] and state.organization is None
