"""The quick schema check gives jsonschema's verdict, or steps aside (Unsure)."""

from __future__ import annotations

import glob
import os

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infermod.config import schema as schema_module
from infermod.config.quickcheck import Unsure, compile_schema, quick_valid
from infermod.config.yamlsource import load_file

SCHEMA = schema_module._python_schema()  # what validate checks: patterns end with \Z
CHECK = compile_schema(SCHEMA)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
UUID = "11111111-2222-3333-4444-555555555555"

odd = st.sampled_from([None, 0, -1, 1.0, 2.5, True, False, "", "x", [], {}, [1], {"a": 1}])
endpoint = st.fixed_dictionaries(
    {},
    optional={
        "public": st.sampled_from([True, False, 1, "yes"]),
        "private_network_id": st.sampled_from([UUID, "not-a-uuid", 7]),
        "disable_auth": st.sampled_from([True, False, 0, None]),
        "port": odd,
    },
)
tags = st.lists(st.sampled_from(["a", "b", "team-x", "infermod:stack=x", "a,b", "", 3]), max_size=3)
deployment = st.fixed_dictionaries(
    {
        "model": st.one_of(st.sampled_from(["meta/llama-3.1-8b-instruct:fp8", "ft", ""]), odd),
        "node_type": st.one_of(st.sampled_from(["L4", "H100", "x" * 70]), odd),
        "endpoints": st.one_of(st.lists(endpoint, max_size=3), odd),
    },
    optional={
        "size": st.one_of(st.integers(-1, 60), odd),
        "min_size": st.integers(0, 51),
        "max_size": st.one_of(st.integers(1, 50), st.floats(allow_nan=False)),
        "quantization": st.sampled_from([4, 8, 16, 3, 8.0, True, "8"]),
        "context_size": st.one_of(st.integers(-1, 10**6), odd),
        "accept_eula": st.one_of(st.booleans(), odd),
        "region": st.sampled_from(["fr-par", "nl-ams", "pl-waw", "us-east", 1]),
        "project_id": st.sampled_from([UUID, "nope"]),
        "name": st.sampled_from(["ok-name", "_bad", "a.b_c", "", "x" * 300]),
        "tags": st.one_of(tags, odd),
        "features": st.lists(st.sampled_from(["structured_outputs", "function_calling", "x"]), max_size=3),
        "lifecycle": st.fixed_dictionaries(
            {}, optional={"prevent_destroy": st.one_of(st.booleans(), odd), "other": odd}
        ),
        "unknown": odd,
    },
)
model = st.fixed_dictionaries(
    {"source": st.sampled_from(["acme/bot", "hf://acme/bot", "https://huggingface.co/a/b/", "no", 3])},
    optional={
        "type": st.sampled_from(["chat", "vision", "embedding", "audio"]),
        "secret": st.sampled_from(["s3cr3t", "", None]),
    },
)
names = st.sampled_from(["chat", "d-1", "Bad", "a--b", "-x", "x" * 64, "", "chat\n"])
config = st.fixed_dictionaries(
    {"version": st.sampled_from([1, 1.0, 2, True, "1"])},
    optional={
        "stack": st.one_of(st.sampled_from(["demo", "Bad", "a-b", "x" * 41]), odd),
        "defaults": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "region": st.sampled_from(["fr-par", "mars"]),
                    "tags": tags,
                    "accept_eula": st.one_of(st.booleans(), odd),
                },
            ),
            odd,
        ),
        "models": st.one_of(st.dictionaries(names, model, max_size=2), odd),
        "deployments": st.one_of(st.dictionaries(names, deployment, max_size=3), odd),
        "extra": odd,
    },
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)


def agrees(instance: object) -> None:
    assert CHECK is not None
    try:
        verdict = CHECK(instance)
    except Unsure:
        assert quick_valid(CHECK, instance) is False  # jsonschema decides
        return
    assert verdict == VALIDATOR.is_valid(instance), instance


@settings(max_examples=400)
@given(config)
def test_same_verdict_as_jsonschema_on_configuration_like_documents(instance):
    agrees(instance)


@given(json_values)
def test_same_verdict_as_jsonschema_on_any_json(instance):
    agrees(instance)


def test_shipped_examples_take_the_quick_path():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    files = glob.glob(os.path.join(root, "examples", "*.yaml"))
    assert files
    for path in files:
        data = load_file(path, {"SCW_DEFAULT_PROJECT_ID": UUID, "HF_TOKEN": "t"}).data
        assert quick_valid(CHECK, data), path


@pytest.mark.parametrize(
    "schema",
    [{"type": "object", "patternProperties": {"^a": {}}}, {"if": {"type": "string"}}, {"$ref": "#/x"}],
)
def test_an_unknown_keyword_turns_the_quick_path_off(schema):
    assert compile_schema(schema) is None
    assert quick_valid(None, {}) is False


def test_values_yaml_has_but_json_has_not_go_to_jsonschema():
    import datetime as dt

    assert CHECK is not None
    with pytest.raises(Unsure):
        CHECK({"version": 1, "stack": dt.date(2026, 1, 1)})
