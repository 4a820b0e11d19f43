"""The fit rules at their edges: what each node-type state says, and the
lists a hint offers, the catalog's verdict over any estimate. Real shapes from the recorded catalog are in test_fit_real_shapes.py."""

from __future__ import annotations

import datetime as dt

import pytest

from infermod.catalog import Catalog, ModelInfo, NodeType, Quantization, load_snapshot
from infermod.config.load import load_config
from infermod.rules.fit import fit_findings
from tests.conftest import write

GIB = 2**30
Q8 = Quantization(8, True, 32000)


def catalog(stock="available", disabled=False, size_bytes=10 * GIB, support=None) -> Catalog:
    nodes = {
        ("fr-par", "L4"): NodeType("L4", "fr-par", 1, 24 * GIB, stock, disabled, False),
        ("fr-par", "H100"): NodeType("H100", "fr-par", 1, 80 * GIB, "available", False, False),
        ("fr-par", "OLD"): NodeType("OLD", "fr-par", 1, 8 * GIB, "available", True, False),
    }
    support = {"L4": (Q8,), "H100": (Q8,)} if support is None else support
    models = {
        ("fr-par", "acme/m:fp8"): ModelInfo("", "acme/m:fp8", "fr-par", False, 8, size_bytes, support),
        ("fr-par", "acme/z:fp8"): ModelInfo("", "acme/z:fp8", "fr-par", False, 8, 1, support),
        ("fr-par", "s--mine--abc"): ModelInfo("", "s--mine--abc", "fr-par", False, 16, 1, {}),
    }
    snap = load_snapshot(dt.date(2026, 11, 25))
    return snap._replace(node_types=nodes, models=models)


def fit(tmp_path, cat, model="acme/m:fp8", node="L4", extra=""):
    body = (
        f"version: 1\nstack: s\ndeployments:\n  d:\n    model: {model}\n    node_type: {node}\n"
        f"    endpoints: [{{public: true}}]\n{extra}"
    )
    config = load_config([write(tmp_path / "infermod.yaml", body)], {}).config
    assert config is not None
    return fit_findings(config, cat)


@pytest.mark.parametrize(
    ("node", "stock", "disabled", "rule", "severity"),
    [
        ("L4", "low_stock", False, "node-type-low-stock", "warning"),
        ("L4", "out_of_stock", False, "node-type-out-of-stock", "error"),
        ("L4", "out_of_stock", True, "node-type-disabled", "error"),  # disabled says it first
        ("OLD", "available", False, "node-type-disabled", "error"),
    ],
)
def test_each_node_type_state_is_one_finding_at_the_node_type(
    tmp_path, node, stock, disabled, rule, severity
):
    found = fit(tmp_path, catalog(stock, disabled), node=node)
    node_findings = [f for f in found if f.field == "deployments.d.node_type"]
    assert [(f.rule_id, f.severity) for f in node_findings][:1] == [(rule, severity)]
    assert node_findings[0].location.line == 6


def test_unknown_node_type_offers_the_enabled_ones_and_says_nothing_more(tmp_path):
    (f,) = fit(tmp_path, catalog(), node="B300")
    assert (f.rule_id, f.message) == ("node-type-unknown", "node type `B300` is not offered in fr-par")
    assert f.hint == "offered in fr-par: H100, L4"


def test_unknown_model_lists_the_catalog_models_only(tmp_path):
    (f,) = fit(tmp_path, catalog(), model="acme/nope:fp8")
    assert f.rule_id == "model-unknown" and f.field == "deployments.d.model"
    assert f.hint == "available in fr-par: acme/m:fp8, acme/z:fp8"  # never an imported custom model


def test_a_node_type_whose_every_quantization_is_refused_cannot_run(tmp_path):
    refused = {"L4": (Quantization(8, False, 0), Quantization(16, False, 0)), "H100": (Q8,)}
    (f,) = fit(tmp_path, catalog(support=refused))
    assert (f.rule_id, f.hint) == ("model-node-type", "supported node types: H100")
    (f,) = fit(tmp_path, catalog(support={"L4": (Quantization(8, False, 0),)}))
    assert f.hint == "supported node types: none"


def test_the_catalog_verdict_is_not_overruled_by_a_memory_estimate(tmp_path):
    """meta/llama-3.1-8b-instruct:bf16 on L4 at 16 bits is allowed with a 40,000 context in the
    recorded catalog, though 32 GB of weights exceed 24 GiB: the API knows, infermod does not."""
    assert fit(tmp_path, catalog(size_bytes=60 * GIB)) == []
    refused = {"L4": (Quantization(8, False, 0),), "H100": (Q8,)}
    rules = [f.rule_id for f in fit(tmp_path, catalog(size_bytes=60 * GIB, support=refused))]
    assert rules == ["model-node-type"]  # the API's `allowed: false` is the reason, said once


def test_eula_is_required_even_where_the_node_type_is_unknown(tmp_path):
    cat = catalog()
    cat = cat._replace(models={k: m._replace(has_eula=True) for k, m in cat.models.items()})
    assert [f.rule_id for f in fit(tmp_path, cat, node="B300")] == ["node-type-unknown", "eula-required"]
    assert fit(tmp_path, cat, extra="    accept_eula: true\n") == []


def _regional_catalog() -> Catalog:
    """One node type and one model in each of three regions."""
    cat = catalog()
    nodes = {
        (r, "L4"): NodeType("L4", r, 1, 24 * GIB, "available", False, False) for r in ("fr-par", "nl-ams")
    }
    nodes[("pl-waw", "H100")] = NodeType("H100", "pl-waw", 1, 80 * GIB, "available", False, False)
    nodes[("nl-ams", "L40S")] = NodeType("L40S", "nl-ams", 1, 48 * GIB, "available", False, False)
    models = {
        (r, f"acme/{r}:fp8"): ModelInfo("", f"acme/{r}:fp8", r, False, 8, 1, {"L4": (Q8,)})
        for r in ("fr-par", "nl-ams", "pl-waw")
    }
    return cat._replace(node_types=nodes, models=models)


def test_a_hint_lists_only_what_the_deployments_region_offers(tmp_path, more_regions):
    # nl-ams sorts between fr-par and pl-waw: neither region's offer may leak into its hints
    (f,) = fit(
        tmp_path, _regional_catalog(), model="acme/nl-ams:fp8", node="H100", extra="    region: nl-ams\n"
    )
    assert (f.rule_id, f.hint) == ("node-type-unknown", "offered in nl-ams: L4, L40S")
    (f,) = fit(tmp_path, _regional_catalog(), model="acme/fr-par:fp8", extra="    region: nl-ams\n")
    assert (f.rule_id, f.hint) == ("model-unknown", "available in nl-ams: acme/nl-ams:fp8")


def test_a_stock_the_api_does_not_know_is_no_finding(tmp_path):
    assert fit(tmp_path, catalog("unknown_stock")) == []
    assert fit(tmp_path, catalog("available")) == []


def test_every_deployment_is_checked_after_one_with_an_unknown_model(tmp_path):
    body = (
        "version: 1\nstack: s\ndeployments:\n"
        "  a: {model: acme/nope:fp8, node_type: L4, endpoints: [{public: true}]}\n"
        "  b: {model: acme/m:fp8, node_type: L4, endpoints: [{public: true}]}\n"
    )
    config = load_config([write(tmp_path / "infermod.yaml", body)], {}).config
    assert config is not None
    found = fit_findings(config, catalog("low_stock"))
    assert sorted((f.resource, f.rule_id) for f in found) == [
        ("deployment.a", "model-unknown"),
        ("deployment.a", "node-type-low-stock"),
        ("deployment.b", "node-type-low-stock"),
    ]


# 8 bits allows 32,000 tokens on L4, 16 bits only 8,000 (listed first, as an API may)
BOTH = {"L4": (Quantization(16, True, 8000), Q8), "H100": (Q8,)}


@pytest.mark.parametrize(
    ("extra", "rules"),
    [
        ("    quantization: 8\n", []),
        ("    quantization: 16\n", []),
        ("    quantization: 4\n", ["quantization-not-allowed"]),
        ("    quantization: 8\n    context_size: 16000\n", []),
        ("    quantization: 8\n    context_size: 32000\n", []),  # exactly the maximum
        ("    quantization: 8\n    context_size: 32001\n", ["context-size"]),
        ("    quantization: 16\n    context_size: 8001\n", ["context-size"]),
        ("    context_size: 8000\n", []),  # no quantization: the highest allowed, 16 bits
        ("    context_size: 8001\n", ["context-size"]),
    ],
)
def test_the_chosen_quantization_bounds_the_context(tmp_path, extra, rules):
    assert [f.rule_id for f in fit(tmp_path, catalog(support=BOTH), extra=extra)] == rules


def _custom(tmp_path, support, node="L4"):
    body = (
        "version: 1\nstack: s\nmodels:\n  mine: {source: acme/mine, type: chat}\ndeployments:\n"
        f"  d: {{model: mine, node_type: {node}, endpoints: [{{public: true}}]}}\n"
    )
    config = load_config([write(tmp_path / "infermod.yaml", body)], {}).config
    assert config is not None
    model = config.model("mine")
    assert model is not None
    cat = catalog()
    info = ModelInfo("", model.name, "fr-par", False, 16, 1, support)
    return fit_findings(config, cat._replace(models={**cat.models, ("fr-par", model.name): info}))


def test_a_custom_model_is_checked_against_its_import_once_imported(tmp_path):
    assert _custom(tmp_path, {}) == []  # not imported yet: nothing to check against
    assert _custom(tmp_path, {"L4": (Q8,)}) == []
    (f,) = _custom(tmp_path, {"H100": (Q8,)})
    assert (f.rule_id, f.hint) == ("model-node-type", "supported node types: H100")


def test_a_catalog_model_with_no_node_type_listed_runs_nowhere(tmp_path):
    (f,) = fit(tmp_path, catalog(support={}))
    assert (f.rule_id, f.hint) == ("model-node-type", "supported node types: none")
