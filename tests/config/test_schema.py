"""Schema messages: at the field and line, saying what was found (briefly, never a secret) and
what was expected; and the type an unquoted `${VAR}` takes from its field."""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infermod.config.schema import (
    SENSITIVE_FIELDS,
    expected_types,
    schema_findings,
    schema_text,
    typed_interpolations,
)
from infermod.config.yamlsource import LoadedFile, load_bytes
from infermod.findings import Location

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


def messages(body: str) -> list[tuple[str | None, str | None, str]]:
    return [(f.field, f.resource, f.message) for f in findings(body)]


def test_the_schema_check_itself_refuses_a_trailing_line_break():
    # the loader replaces control characters, but the check does not lean on it: Python's `$`
    # would match before a final "\n", so every pattern is anchored with `\Z`
    loaded = LoadedFile("c.yaml", {"version": 1, "stack": "shop\n"}, {}, {}, [])
    (f,) = schema_findings(loaded)
    assert (f.field, f.location) == ("stack", Location("c.yaml", 1, 1))  # no location known: the top
    assert f.message == "found 'shop\\n', expected lowercase letters and digits, separated by single hyphens"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("false", False), ("yes", True), ("no", False), ("on", True), ("off", False)],
)
def test_each_yaml_word_for_a_boolean_takes_its_value(value, expected):
    body = HEAD + "    node_type: L4\n    accept_eula: ${V}\n"
    loaded = typed_interpolations(load_bytes("c.yaml", body.encode(), {"V": value}))
    assert loaded.data["deployments"]["d"]["accept_eula"] is expected


@pytest.mark.parametrize("value", ["yes", "null", "~", "1.5"])
def test_an_integer_field_never_takes_another_type_from_a_variable(value):
    # the schema then says what was found: the text as written
    body = HEAD + "    node_type: L4\n    size: ${V}\n"
    loaded = typed_interpolations(load_bytes("c.yaml", body.encode(), {"V": value}))
    assert loaded.data["deployments"]["d"]["size"] == value


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("version: 2\nstack: s\n", [("version", None, "found 2, expected 1")]),
        (
            HEAD + "    node_type: L4\n    features: [function_calling, function_calling]\n",
            [
                (
                    "deployments.d.features",
                    "deployment.d",
                    "found ['function_calling', 'function_calling'], expected no repeated items",
                )
            ],
        ),
        (
            HEAD + "    node_type: true\n",
            [("deployments.d.node_type", "deployment.d", "found true (boolean), expected string")],
        ),
        (
            HEAD + "    node_type: null\n",
            [("deployments.d.node_type", "deployment.d", "found null (null), expected string")],
        ),
        (
            HEAD + "    node_type: 1.5\n",
            [("deployments.d.node_type", "deployment.d", "found 1.5 (number), expected string")],
        ),
        (
            "version: 1\nstack: s\ndeployments: 5\n",
            [("deployments", None, "found 5 (integer), expected object")],
        ),
        (
            "version: 1\nstack: s\ndeployments:\n  d: 5\n",
            [("deployments.d", "deployment.d", "found 5 (integer), expected object")],
        ),
        (
            "version: 1\nstack: s\ndeployments:\n  d:\n    model: x/y\n    node_type: L4\n    endpoints: [{}]\n",
            # of the two forms an endpoint may take, the closest one says what is missing
            [("deployments.d.endpoints[0].public", "deployment.d", "`public` is required")],
        ),
    ],
)
def test_each_message_at_its_field_and_resource(body, expected):
    assert messages(body) == expected


# 2**199 has 60 digits (the most a message quotes), 2**199 - 1 one bit less, 2**200 one bit more
@pytest.mark.parametrize(
    ("size", "found"),
    [
        (2**199 - 1, str(2**199 - 1)),
        (2**199, "a very large integer"),
        (2**200, "a very large integer"),
    ],
)
def test_an_integer_of_200_bits_or_more_is_not_written_out(size, found):
    (f,) = findings(HEAD + f"    node_type: L4\n    size: {size}\n")
    assert f.message == f"found {found}, expected at most 50"


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("{a: 1, b: 2, c: 3}", "{'a': 1, 'b': 2, 'c': 3}"),
        ("{a: 1, b: 2, c: 3, d: 4}", "{'a': 1, 'b': 2, 'c': 3, 'd': 4}"),
        ("{a: 1, b: 2, c: 3, d: 4, e: 5}", "{'a': 1, 'b': 2, 'c': 3, 'd': 4, ...}"),
        ("{" + "k" * 25 + ": " + "v" * 25 + "}", "{'" + "k" * 16 + "...: '" + "v" * 16 + "...}"),
        ("[1, 2, 3, 4]", "[1, 2, 3, 4]"),
        ("[1, 2, 3, 4, 5]", "[1, 2, 3, 4, ...]"),
        ("[" + "w" * 25 + "]", "['" + "w" * 16 + "...]"),
        ("'" + "A" * 58 + "'", "'" + "A" * 58 + "'"),  # 60 characters quoted: whole
        ("'" + "A" * 59 + "'", "'" + "A" * 56 + "..."),  # 61: cut to 60
    ],
)
def test_a_value_is_quoted_briefly_its_first_items_and_characters(value, found):
    kind = "object" if value.startswith("{") else "array" if value.startswith("[") else None
    if kind:
        (f,) = findings(HEAD + f"    node_type: {value}\n")
        assert f.message == f"found {found} ({kind}), expected string"
    else:  # a stack name of capitals: also too long, a finding of its own
        said = [
            f.message for f in findings(HEAD.replace("stack: s", f"stack: {value}") + "    node_type: L4\n")
        ]
        assert f"found {found}, expected lowercase letters and digits, separated by single hyphens" in said


def test_a_secret_inside_a_value_shown_is_hidden():
    body = "version: 1\nstack: s\nmodels: [{secret: hf_abcdefghijklmnop, source: a/b}]\n"
    (f,) = findings(body)
    assert f.message == "found [{'secret': '(sens...] (array), expected object"


def test_an_unknown_key_beside_another_error_leaves_that_error_at_its_field():
    body = "version: 1\nstack: s\ndeployments:\n  d:\n    model: x/y\n    endpoints: [{public: true}]\n    zone: a\n    replica: 2\n"
    assert [(f, m.split(";")[0]) for f, _, m in messages(body)] == [
        ("deployments.d.zone", "unknown key `replica`, `zone`"),  # at the first written
        ("deployments.d.node_type", "`node_type` is required"),
    ]


@pytest.mark.parametrize(
    ("keys", "shown"),
    [
        (["a1", "a2", "a3", "a4"], "`a1`, `a2`, `a3`, `a4`"),
        (["a1", "a2", "a3", "a4", "a5"], "`a1`, `a2`, `a3`, `a4`, `a5`"),
        (["a1", "a2", "a3", "a4", "a5", "a6"], "`a1`, `a2`, `a3`, `a4`, `a5` ..."),
        (["x" * 50], "`" + "x" * 40 + "...`"),
        (["z" * 41], "`" + "z" * 40 + "...`"),
        (["y" * 40], "`" + "y" * 40 + "`"),
        # the guess is for the first unknown key (in order) that has one
        (["regoin", "acept_eula"], "`acept_eula`, `regoin` (did you mean `accept_eula`?)"),
    ],
)
def test_an_unknown_key_message_names_five_keys_at_most_and_guesses_for_the_first(keys, shown):
    body = "version: 1\ndefaults: {" + ", ".join(f"{k}: 1" for k in keys) + "}\n"
    (f,) = findings(body)
    assert (
        f.message == f"unknown key {shown}; expected one of: accept_eula, lifecycle, project_id, region, tags"
    )


@pytest.mark.parametrize(("before", "guessed"), [(19, True), (20, False)])
def test_a_guess_is_looked_for_among_the_first_twenty_unknown_keys(before, guessed):
    keys = [f"a{i:02}" for i in range(before)] + ["regoin"]  # `regoin` sorts after them all
    (f,) = findings("version: 1\ndefaults: {" + ", ".join(f"{k}: 1" for k in keys) + "}\n")
    assert ("(did you mean `region`?)" in f.message) is guessed


def test_the_schema_follows_regions_that_sort_before_the_known_one(monkeypatch):
    monkeypatch.setenv("INFERMOD_REGIONS", "de-fra,fr-par")
    top = json.loads(schema_text())
    assert top["properties"]["defaults"]["properties"]["region"]["enum"] == ["de-fra", "fr-par"]
