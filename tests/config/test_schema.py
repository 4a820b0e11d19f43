"""Schema messages: at the field and line, saying what was found (briefly, never a secret) and
what was expected; and the type an unquoted `${VAR}` takes from its field."""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infermod.config.schema import SENSITIVE_FIELDS, expected_types, schema_findings, typed_interpolations
from infermod.config.yamlsource import load_bytes

HEAD = "version: 1\nstack: s\ndeployments:\n  d:\n    model: x/y\n    endpoints: [{public: true}]\n"


def findings(body: str, env=None):
    loaded = typed_interpolations(load_bytes("c.yaml", body.encode(), env or {}))
    assert loaded.findings == []
    return schema_findings(loaded)


def test_an_unknown_key_is_pointed_at_with_the_closest_name():
    (f,) = findings(HEAD + "    node_type: L4\n    quantisation: 8\n")
    assert (f.field, f.location.line, f.resource) == ("deployments.d.quantisation", 8, "deployment.d")
    assert f.message.startswith(
        "unknown key `quantisation` (did you mean `quantization`?); expected one of: "
    )


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ("    node_type: L4\n    quantization: 6\n", "quantization", "found 6, expected one of: 4, 8, 16"),
        ("    node_type: L4\n    size: 51\n", "size", "found 51, expected at most 50"),
        ("    node_type: L4\n    size: 0\n", "size", "found 0, expected at least 1"),
        ("    node_type: [L4]\n", "node_type", "found ['L4'] (array), expected string"),
        (
            "    node_type: L4\n    name: -bad\n",
            "name",
            "found '-bad', expected letters, digits, `.`, `_` and `-`",
        ),
        ("    node_type: ''\n", "node_type", "found '' (0 characters), expected at least 1 character(s)"),
    ],
)
def test_each_message_names_what_was_found_and_expected(line, field, message):
    (f,) = findings(HEAD + line)
    assert f.field == f"deployments.d.{field}" and f.message.startswith(message)


def test_a_missing_key_is_named_at_its_resource():
    (f,) = findings(
        "version: 1\nstack: s\ndeployments:\n  d:\n    model: x/y\n    endpoints: [{public: true}]\n"
    )
    # the field is the missing one (only it is broken), written where its resource is
    assert (f.message, f.field, f.location.line) == ("`node_type` is required", "deployments.d.node_type", 4)


def test_a_key_that_is_not_a_name_is_pointed_at_itself():
    (f,) = findings(
        "version: 1\nstack: s\ndeployments:\n  Bad_Key:\n    model: x/y\n    node_type: L4\n    endpoints: [{public: true}]\n"
    )
    assert (f.field, f.location.line) == ("deployments.Bad_Key", 4)
    assert f.message == "found 'Bad_Key', expected lowercase letters and digits, separated by single hyphens"


@settings(max_examples=30, deadline=None)
@given(st.text(string.ascii_letters + string.digits + " -", min_size=65, max_size=5000))
def test_a_long_value_is_quoted_at_most_briefly(value):
    (f,) = findings(HEAD + f"    node_type: 'x{value}'\n")
    assert f.message.endswith(f"... ({len(value) + 1} characters), expected at most 64 characters")
    assert len(f.message) < 150


@settings(max_examples=30, deadline=None)
@given(
    st.one_of(
        st.integers(),
        st.lists(st.text(string.ascii_letters + string.digits, min_size=8), min_size=1, max_size=3),
        st.booleans(),
    )
)
def test_a_secret_of_the_wrong_type_is_never_shown(secret):
    body = (
        "version: 1\nstack: s\nmodels:\n  m:\n    source: acme/m\n    type: chat\n    secret: "
        + json.dumps(secret)
        + "\n"
    )
    got = findings(body)
    assert got and all(str(secret) not in f.message and "sensitive" in f.message for f in got)
    assert "secret" in SENSITIVE_FIELDS


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("size", "3", 3),
        ("size", " 3 ", 3),
        ("size", "3.0", "3.0"),
        ("node_type", "010", "010"),
        ("accept_eula", "yes", True),
        ("accept_eula", "On", True),
    ],
)
def test_an_unquoted_variable_takes_its_field_s_type(field, value, expected):
    body = HEAD + ("    node_type: L4\n" if field != "node_type" else "") + f"    {field}: ${{V}}\n"
    loaded = typed_interpolations(load_bytes("c.yaml", body.encode(), {"V": value}))
    assert loaded.data["deployments"]["d"][field] == expected


def test_expected_types_follow_the_schema():
    assert expected_types(("deployments", "any-key", "size")) == {"integer"}
    assert expected_types(("deployments", "k", "endpoints", 0, "public")) == {"boolean"}
    assert expected_types(("nowhere", "x")) == set()


@pytest.mark.parametrize(
    ("body", "field", "meant"),
    [
        (
            HEAD + "    node_type: L4\n    lifecycle: {prevent_destory: true}\n",
            "deployments.d.lifecycle.prevent_destory",
            "prevent_destroy",
        ),
        (
            "version: 1\nstack: s\ndeployments:\n  d:\n    model: x/y\n    node_type: L4\n"
            "    endpoints: [{public: true, disable_auht: true}]\n",
            "deployments.d.endpoints[0].disable_auht",
            "disable_auth",
        ),
        (HEAD + "    node_type: L4\n    replica: 2\n", "deployments.d.replica", None),
        ("version: 1\nmodels:\n  m: {source: a/b, type: chat, secrte: x}\n", "models.m.secrte", "secret"),
        ("version: 1\ndefaults: {acept_eula: true}\n", "defaults.acept_eula", "accept_eula"),
        (
            "version: 1\ndefaults: {lifecycle: {create_before_destory: true}}\n",
            "defaults.lifecycle.create_before_destory",
            "create_before_destroy",
        ),
        ("version: 1\nstak: s\n", "stak", "stack"),
    ],
)
def test_every_object_refuses_a_key_it_does_not_have(body, field, meant):
    # the schema is the first guard against a typo that would silently leave a setting at its
    # default (`disable_auht: true` keeps auth on; `prevent_destory` protects nothing)
    (f,) = findings(body)
    assert (f.rule_id, f.severity, f.field) == ("schema", "error", field)
    assert f.message.startswith(f"unknown key `{field.rsplit('.', 1)[-1].split(']')[-1]}`")
    if meant:
        assert f"(did you mean `{meant}`?)" in f.message


def test_the_shipped_schema_closes_every_object(cli):
    # README: `additionalProperties: false` everywhere, so that editors flag a typo as well
    schema = json.loads(cli("schema").out)
    objects: list[str] = []

    def walk(node, where):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                objects.append(where)
                assert node.get("additionalProperties") is False, where
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    walk(schema, "#")
    # top, defaults, two lifecycles, model, deployment, endpoint, two timeouts blocks
    assert len(objects) == 9, objects
