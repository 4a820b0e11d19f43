"""What a plan file embeds: the configuration as written and the gates, read back exactly or
refused naming the field; gates combined so that what either refuses is refused."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infermod.config.load import load_config
from infermod.errors import PlanError
from infermod.findings import SEVERITIES
from infermod.plan.embed import (
    MAX_SOURCE_CHARS,
    Embedded,
    Gates,
    Source,
    decode_embedded,
    encode_embedded,
    sources_of,
)
from infermod.plan.variables import Variables
from tests.conftest import write
from tests.helpers import stack_config

gates = st.builds(
    Gates,
    st.booleans(),
    st.none() | st.floats(0, 1e9, allow_nan=False),
    st.none() | st.sampled_from(SEVERITIES),
    st.none() | st.integers(0, 10_000),
)
names = st.from_regex(r"[A-Z_][A-Z0-9_]{0,10}", fullmatch=True)
variables = st.builds(
    Variables,
    st.dictionaries(names, st.none() | st.text(), max_size=4).map(lambda d: tuple(sorted(d.items()))),
    st.lists(names, unique=True, max_size=3).map(tuple),
)
embedded = st.builds(
    Embedded,
    st.lists(st.builds(Source, st.text(min_size=1), st.text()), min_size=1, max_size=3).map(tuple),
    gates,
    variables,
)


@given(embedded)
def test_what_is_embedded_reads_back_exactly_through_json(original):
    assert decode_embedded(json.loads(json.dumps(encode_embedded(original)))) == original


@given(gates, gates)
def test_combined_gates_refuse_whatever_either_refuses(a, b):
    both = a.stricter(b)
    assert both == b.stricter(a) and both.stricter(both) == both
    assert both.deny_destroy == (a.deny_destroy or b.deny_destroy)
    for one in (a, b):
        if one.max_monthly_cost is not None:
            assert both.max_monthly_cost is not None and both.max_monthly_cost <= one.max_monthly_cost
        if one.fail_on is not None:  # a lower threshold refuses more
            assert both.fail_on is not None and SEVERITIES.index(both.fail_on) <= SEVERITIES.index(
                one.fail_on
            )
        if one.eol_horizon is not None:  # a longer horizon warns earlier
            assert both.eol_horizon is not None and both.eol_horizon >= one.eol_horizon
    assert Gates().stricter(Gates()) == Gates()


GOOD = {"sources": [{"path": "a.yaml", "text": "version: 1"}], "gates": Gates().encode()}


@pytest.mark.parametrize(
    ("damage", "field"),
    [
        (lambda d: "text", "embedded: expected an object"),
        (lambda d: {**d, "sources": []}, "embedded.sources: expected a non-empty list"),
        (lambda d: {**d, "sources": [{"path": "a.yaml"}]}, "embedded.sources[0]: expected {path, text}"),
        (
            lambda d: {**d, "sources": [{"path": "a", "text": "x" * (MAX_SOURCE_CHARS + 1)}]},
            "embedded.sources[0].text: larger",
        ),
        (lambda d: {**d, "gates": None}, "embedded.gates: expected an object"),
        (
            lambda d: {**d, "gates": {**d["gates"], "deny_destroy": "no"}},
            "embedded.gates.deny_destroy: expected true",
        ),
        (
            lambda d: {**d, "gates": {**d["gates"], "max_monthly_cost": True}},
            "embedded.gates.max_monthly_cost: expected",
        ),
        (
            lambda d: {**d, "gates": {**d["gates"], "fail_on": "fatal"}},
            "embedded.gates.fail_on: expected one of",
        ),
        (
            lambda d: {**d, "gates": {**d["gates"], "eol_horizon": 1.5}},
            "embedded.gates.eol_horizon: expected a whole",
        ),
    ],
)
def test_a_damaged_embedded_object_is_refused_naming_the_field(damage, field):
    assert decode_embedded(GOOD) is not None and decode_embedded(None) is None
    with pytest.raises(ValueError, match="^" + re.escape(field)):
        decode_embedded(damage(GOOD))


def test_sources_are_the_files_as_written_and_a_literal_secret_is_never_embedded(tmp_path):
    text = "\ufeff# the team's stack\n" + stack_config("web")
    config = load_config([write(tmp_path / "infermod.yaml", text)], {}).config
    assert config is not None
    assert sources_of(config) == (Source(config.files[0], text.lstrip("\ufeff")),)
    env = {"HF_TOKEN": "hf_" + "s3cret" * 6}
    model = "models:\n  ft:\n    source: https://huggingface.co/acme/bot-8b\n    type: chat\n    secret: {}\n"
    by_env = load_config(
        [write(tmp_path / "env.yaml", stack_config("web") + model.format("${HF_TOKEN}"))], env
    )
    assert by_env.config is not None and "s3cret" not in repr(sources_of(by_env.config))
    literal = load_config(
        [write(tmp_path / "lit.yaml", stack_config("web") + model.format("hf_" + "x" * 30))], env
    )
    assert literal.config is not None
    with pytest.raises(PlanError, match=r"^models\.ft\.secret is written in the configuration") as info:
        sources_of(literal.config)
    assert "x" * 30 not in str(info.value)
