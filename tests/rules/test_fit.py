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
