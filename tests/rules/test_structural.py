"""Rules a schema cannot express, each at its field and line: references, sizes, names, models."""

from __future__ import annotations

from infermod.rules.engine import load_checked_config
from tests.conftest import write

PN = "11111111-2222-3333-4444-555555555555"


def check(tmp_path, body, environ=None):
    result = load_checked_config(
        [write(tmp_path / "infermod.yaml", "version: 1\nstack: s\n" + body)], environ or {}
    )
    return [f for f in result.findings if f.rule_id not in ("schema",)]


def by_rule(findings):
    return {f.rule_id: f for f in findings}


def test_a_reference_names_the_models_defined_even_on_a_deployment_the_schema_refused(tmp_path):
    (f,) = [
        f
        for f in check(
            tmp_path,
            "deployments:\n  a:\n    model: llama\n    node_type: 7\n    endpoints: [{public: true}]\n",
        )
        if f.rule_id == "model-reference"
    ]
    assert "defined: none" in f.message and (f.field, f.location.line) == ("deployments.a.model", 5)
    found = check(
        tmp_path,
        "models:\n  zed: {source: acme/z, type: chat}\n  alpha: {source: acme/a, type: chat}\n"
        "deployments:\n  a:\n    model: llama\n    node_type: L4\n    endpoints: [{public: true}]\n",
    )
    assert "(defined: alpha, zed)" in by_rule(found)["model-reference"].message
    assert {f.resource for f in found if f.rule_id == "model-unused"} == {"model.zed", "model.alpha"}


def test_size_with_min_size_is_one_error_and_not_also_autoscaling(tmp_path):
    found = check(
        tmp_path,
        "deployments:\n  a:\n    model: x/y\n    node_type: L4\n    size: 1\n    max_size: 3\n"
        "    endpoints: [{public: true}]\n",
    )
    assert [(f.rule_id, f.field, f.location.line) for f in found] == [("size", "deployments.a.size", 7)]


def test_autoscaling_points_at_max_size_with_the_fix(tmp_path):
    (f,) = check(
        tmp_path,
        "deployments:\n  a:\n    model: x/y\n    node_type: L4\n    min_size: 2\n    max_size: 3\n"
        "    endpoints: [{public: true}]\n",
    )
    assert (f.rule_id, f.field, f.location.line, f.hint) == (
        "size-autoscaling",
        "deployments.a.max_size",
        8,
        "set max_size: 2 (or use `size:`)",
    )


def test_names_are_unique_per_region_and_project_only(tmp_path):
    dep = "  {key}:\n    model: x/y\n    node_type: L4\n    endpoints: [{{public: true}}]\n{extra}"
    body = "deployments:\n" + "".join(
        [
            dep.format(key="a", extra=""),
            dep.format(key="b", extra="    name: a\n"),  # same name, same place
            dep.format(key="c", extra="    name: a\n    region: nl-ams\n"),  # another region
            dep.format(key="d", extra=f"    name: a\n    project_id: {PN}\n"),  # another project
        ]
    )
    dups = [f for f in check(tmp_path, body) if f.rule_id == "name-duplicate"]
    assert [(f.resource, f.field) for f in dups] == [("deployment.b", "deployments.b.name")]
    assert "`a` is already used by `a` in fr-par" in dups[0].message


def test_one_endpoint_per_network(tmp_path):
    body = (
        "deployments:\n  a:\n    model: x/y\n    node_type: L4\n    endpoints:\n"
        f"      - {{private_network_id: {PN}}}\n      - {{private_network_id: {PN}}}\n      - {{public: true}}\n"
    )
    (f,) = check(tmp_path, body)
    assert (f.rule_id, f.field) == ("endpoint-duplicate", "deployments.a.endpoints")
    assert f"more than one endpoint on private:{PN}: one endpoint per network" == f.message


def test_a_literal_token_warns_at_the_secret_and_an_interpolated_one_does_not(tmp_path):
    model = "models:\n  m:\n    source: acme/m\n    type: chat\n    secret: {secret}\n"
    use = "deployments:\n  a:\n    model: m\n    node_type: L4\n    endpoints: [{public: true}]\n"
    literal = by_rule(check(tmp_path, model.format(secret="hf_" + "a" * 30) + use))["secret-literal"]
    assert (literal.severity, literal.field, literal.location.line) == ("warning", "models.m.secret", 7)
    assert "hf_aaa" not in literal.format()
    assert "secret-literal" not in by_rule(
        check(tmp_path, model.format(secret="${HF_TOKEN}") + use, {"HF_TOKEN": "x" * 30})
    )
