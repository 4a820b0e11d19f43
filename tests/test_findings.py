"""Findings as values: their text and JSON forms, order, gate and de-duplication."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infermod.findings import SEVERITIES, Finding, Location, fails_gate, sort_findings, unique

HERE = Location("infermod.yaml", 7, 5)


def test_format_names_place_field_rule_and_hint():
    f = Finding(
        "size", "error", "size must be > 0", "deployment.a", HERE, "deployments.a.size", "set size: 1"
    )
    assert f.format() == (
        "infermod.yaml:7:5: error: size must be > 0 [deployments.a.size] (size)\n    hint: set size: 1"
    )
    assert Finding("quota-setting", "error", "bad").format() == "error: bad (quota-setting)"


def test_json_form_has_every_key_even_when_empty():
    assert json.loads(json.dumps(Finding("r", "info", "m").to_json())) == {
        "rule_id": "r",
        "severity": "info",
        "message": "m",
        "resource": None,
        "field": None,
        "hint": None,
        "location": None,
    }
    loc = Finding("r", "info", "m", location=HERE).to_json()["location"]
    assert loc == {"file": "infermod.yaml", "line": 7, "column": 5}


@pytest.mark.parametrize(
    ("severities", "fail_on", "fails"),
    [
        ((), "warning", False),
        (("info",), "warning", False),
        (("warning",), "warning", True),
        (("warning",), "error", False),
        (("info", "error"), "error", True),
    ],
)
def test_the_gate_fails_at_or_above_its_threshold(severities, fail_on, fails):
    assert fails_gate((Finding("r", s, "m") for s in severities), fail_on) is fails


def test_sorted_by_file_then_line_then_most_severe_then_rule():
    a = Finding("b-rule", "warning", "m", location=Location("a.yaml", 3, 1))
    b = Finding("a-rule", "warning", "m", location=Location("a.yaml", 3, 9))
    c = Finding("z-rule", "error", "m", location=Location("a.yaml", 3, 1))
    d = Finding("r", "error", "m", location=Location("a.yaml", 10, 1))  # 10 after 3, not as text
    e = Finding("r", "info", "m", location=Location("b.yaml", 1, 1))
    nowhere = Finding("quota-setting", "error", "m")
    assert sort_findings([e, d, b, a, c, nowhere]) == [nowhere, c, b, a, d, e]


FINDINGS = st.builds(
    Finding,
    st.sampled_from(["r1", "r2"]),
    st.sampled_from(SEVERITIES),
    st.sampled_from(["m1", "m2"]),
    location=st.none() | st.builds(Location, st.sampled_from(["a", "b"]), st.integers(1, 12), st.just(1)),
    resource=st.none(),
    field=st.none(),
    hint=st.none(),
)


@given(st.lists(FINDINGS, max_size=12))
def test_unique_keeps_the_first_of_each_in_order(findings):
    once = unique(findings)
    assert len(once) == len(set(findings))
    assert once == sorted(set(findings), key=findings.index)
    ordered = sort_findings(findings)
    assert Counter(ordered) == Counter(findings)
    keys = [(f.location or Location("", 0, 0))[:2] for f in ordered]
    assert keys == sorted(keys)
