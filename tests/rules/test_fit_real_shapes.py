"""The fit rules on real-shaped catalog data: the recorded public catalog of fr-par (29 models,
every node type listed for every model, `allowed: false, max_context_size: 0` where a model
cannot run), converted the way infermod converts live answers."""

from __future__ import annotations

import json

import pytest
import yaml
from scaleway.inference.v1.marshalling import unmarshal_ListModelsResponse

from infermod.catalog import Catalog, NodeType
from infermod.config.load import load_config
from infermod.rules.fit import fit_findings
from infermod.scw.convert import to_model_info
from tests.conftest import write
from tests.helpers import RECORDINGS

RECORDED = RECORDINGS / "deployment-basic.yaml"
GIB = 2**30

pytestmark = pytest.mark.skipif(not RECORDED.is_file(), reason="../shared/api-recordings is absent")


@pytest.fixture(scope="module")
def recorded_catalog() -> Catalog:
    first = yaml.safe_load(RECORDED.read_text(encoding="utf-8"))["interactions"][0]["response"]["body"]
    models = unmarshal_ListModelsResponse(json.loads(first)).models
    nodes = {"L4": 24, "L40S": 48, "H100": 80, "H100-2": 160}
    return Catalog(
        "live",
        None,
        {
            ("fr-par", n): NodeType(
                n, "fr-par", 2 if n == "H100-2" else 1, v * GIB, "available", False, False
            )
            for n, v in nodes.items()
        },
        {("fr-par", m.name): to_model_info(m) for m in models},
        {},
        {},
    )


def rules(tmp_path, recorded_catalog, model, node, extra=""):
    body = (
        f"version: 1\nstack: s\ndeployments:\n  d:\n    model: {model}\n    node_type: {node}\n"
        f"    accept_eula: true\n    endpoints: [{{public: true}}]\n{extra}"
    )
    result = load_config([write(tmp_path / "infermod.yaml", body)], {})
    assert result.config is not None
    return {f.rule_id: f for f in fit_findings(result.config, recorded_catalog)}


def test_a_listed_node_type_without_allowed_quantization_cannot_run(tmp_path, recorded_catalog):
    found = rules(tmp_path, recorded_catalog, "meta/llama-3.3-70b-instruct:fp8", "L4")
    assert "cannot run on L4" in found["model-node-type"].message
    assert found["model-node-type"].hint == "supported node types: H100, H100-2"


def test_quantization_and_context_from_the_allowed_entries(tmp_path, recorded_catalog):
    model = "meta/llama-3.3-70b-instruct:fp8"
    assert (
        "allowed: 8"
        in rules(tmp_path, recorded_catalog, model, "H100", "    quantization: 16\n")[
            "quantization-not-allowed"
        ].hint
    )
    too_long = rules(tmp_path, recorded_catalog, model, "H100", "    context_size: 20000\n")
    assert "exceeds the 15000 tokens" in too_long["context-size"].message
    assert rules(tmp_path, recorded_catalog, model, "H100-2", "    context_size: 131072\n") == {}


def test_default_quantization_is_the_largest_allowed(tmp_path, recorded_catalog):
    # gemma-3-27b: 8 bits allows 80000 tokens on H100 but 16 bits only 40000; the default is 16
    found = rules(
        tmp_path, recorded_catalog, "google/gemma-3-27b-it:bf16", "H100", "    context_size: 50000\n"
    )
    assert "at 16 bits" in found["context-size"].message
    assert rules(tmp_path, recorded_catalog, "google/gemma-3-27b-it:bf16", "L40S")["model-node-type"]
