"""The plan codec: `decode(encode(plan)) == plan` for any plan, through real JSON text; damaged input
is refused with the path of what is wrong."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infermod.findings import SEVERITIES, Finding, Location
from infermod.plan.codec import decode, encode
from infermod.plan.model import (
    CONSEQUENCE_KINDS,
    ApiBinding,
    Consequence,
    Cost,
    EndpointChange,
    FieldChange,
    Plan,
    ResourceChange,
)
from infermod.records import KNOWN_AFTER_APPLY, Deployment, Endpoint, Model

text = st.text(max_size=12)
maybe_text = st.none() | text
ints = st.integers(min_value=-(2**53), max_value=2**53)
tags = st.lists(text, max_size=3).map(tuple)
money = st.none() | st.floats(
    min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False
)  # prices per hour

endpoints = st.builds(Endpoint, st.booleans(), maybe_text, st.booleans(), maybe_text)
deployments = st.builds(
    Deployment,
    name=text,
    model=text | st.just(KNOWN_AFTER_APPLY),
    model_id=maybe_text,
    node_type=text,
    min_size=ints,
    max_size=ints,
    quantization=st.none() | ints,
    region=text,
    project_id=text,
    tags=tags,
    endpoints=st.lists(endpoints, max_size=2).map(tuple),
    accept_eula=st.none() | st.booleans(),
    id=maybe_text,
    status=maybe_text,
)
models = st.builds(
    Model,
    name=text,
    region=text,
    project_id=text,
    id=maybe_text,
    status=maybe_text,
    source=maybe_text,
    has_secret=st.none() | st.booleans(),
    type=maybe_text,
    api=maybe_text,
)
values = st.none() | st.booleans() | text | ints | tags
field_changes = st.builds(FieldChange, text, values, values, st.booleans(), st.booleans())
endpoint_changes = st.builds(
    EndpointChange,
    st.sampled_from(["create", "update", "delete"]),
    text,
    maybe_text,
    st.none() | endpoints,
    st.none() | endpoints,
)
consequences = st.builds(
    Consequence, st.sampled_from(CONSEQUENCE_KINDS), st.sampled_from(["info", "warning"]), text
)
actions = st.sampled_from(
    [("create",), ("update",), ("delete",), ("delete", "create"), ("create", "delete"), ("no-op",)]
)


@st.composite
def changes(draw: st.DrawFn) -> ResourceChange:
    kind = draw(st.sampled_from(["deployment", "model"]))
    payload = st.none() | (deployments if kind == "deployment" else models)
    return ResourceChange(
        address=draw(text),
        type=kind,
        key=draw(text),
        region=draw(text),
        project_id=draw(text),
        actions=draw(actions),
        resource_id=draw(maybe_text),
        status=draw(maybe_text),
        before=draw(payload),
        after=draw(payload),
        field_changes=tuple(draw(st.lists(field_changes, max_size=3))),
        endpoint_changes=tuple(draw(st.lists(endpoint_changes, max_size=2))),
        action_reason=draw(maybe_text),
        reasons=tuple(draw(st.lists(text, max_size=2))),
        downtime=draw(maybe_text),
        importing=draw(st.none() | text) if kind == "deployment" else None,
        depends_on=tuple(draw(st.lists(text, max_size=2))),
        cost=draw(st.none() | st.builds(Cost, text, money, money)),
        consequences=tuple(draw(st.lists(consequences, max_size=3))),
        alternative=draw(maybe_text),
    )


locations = st.builds(Location, text, ints, ints)
findings = st.builds(
    Finding,
    text,
    st.sampled_from(SEVERITIES),
    text,
    maybe_text,
    st.none() | locations,
    maybe_text,
    maybe_text,
    snippet=st.none(),  # a text-view aid (YAML syntax errors), deliberately not in the plan format
)
plans = st.builds(
    Plan,
    stack=text,
    created_at=text,
    infermod_version=text,
    config_digest=text,
    state_fingerprint=text,
    files=tags,
    changes=st.lists(changes(), max_size=4).map(tuple),
    findings=st.lists(findings, max_size=3).map(tuple),
    catalog_source=text,
    sandbox=st.booleans(),
    currency=text,
    destroy=st.booleans(),
    targets=tags,
    replace=tags,
    api=st.none()
    | st.builds(ApiBinding, sandbox=st.booleans(), url=text, organization_id=st.none() | text, projects=tags),
)


@settings(max_examples=150, deadline=None)
@given(plans)
def test_decode_inverts_encode_through_json_text(plan: Plan) -> None:
    assert decode(json.loads(json.dumps(encode(plan)))) == plan


@settings(max_examples=100, deadline=None)
@given(plans)
def test_encoding_is_plain_json(plan: Plan) -> None:
    body = encode(plan)
    assert json.loads(json.dumps(body)) == body


def _one_change() -> dict[str, object]:
    dep = Deployment(
        "d", "m", "mid", "L4", 1, 1, None, "fr-par", "p", ("a",), (Endpoint(True, None, False),), True
    )
    change = ResourceChange(
        "deployment.d", "deployment", "d", "fr-par", "p", ("create",), None, None, None, dep
    )
    plan = Plan("s", "t", "0", "sha256:c", "sha256:d", ("f.yaml",), (change,), (), "live")
    return json.loads(json.dumps(encode(plan)))  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda d: d["resource_changes"][0]["change"]["after"].update(min_size="1"),
            "min_size: expected an integer",
        ),
        (
            lambda d: d["resource_changes"][0]["change"]["after"].update(min_size=True),
            "min_size: expected an integer",
        ),
        (lambda d: d["resource_changes"][0]["change"]["after"].pop("node_type"), "after.node_type: missing"),
        (lambda d: d["resource_changes"][0].update(type="volume"), "expected deployment or model"),
        (
            lambda d: d["resource_changes"][0]["change"]["after"]["endpoints"].append(3),
            "endpoints[1]: expected an object",
        ),
        (
            lambda d: d["resource_changes"][0]["change"]["after"].update(tags="a"),
            "tags: expected a list of strings",
        ),
        (lambda d: d.pop("configuration"), "configuration: expected an object"),
        (lambda d: d.update(resource_changes={}), "resource_changes: expected a list"),
        (lambda d: d.update(targets="deployment.d"), "targets: expected a list of strings"),
    ],
)
def test_damaged_input_names_the_path(damage, message) -> None:
    data = _one_change()
    damage(data)
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        decode(data)


def test_a_1_0_plan_without_targets_reads_as_untargeted() -> None:
    data = _one_change()
    del data["targets"], data["replace"]
    plan = decode(data)
    assert (plan.targets, plan.replace) == ((), ())


def test_a_secret_value_in_a_plan_file_is_refused_without_echoing_it() -> None:
    model = Model(
        "s--m--0123abcd", "fr-par", "p", source="https://huggingface.co/a/b", has_secret=True, type="chat"
    )
    change = ResourceChange("model.m", "model", "m", "fr-par", "p", ("create",), None, None, None, model)
    data = json.loads(json.dumps(encode(Plan("s", "t", "0", "c", "d", (), (change,), (), "live"))))
    assert data["resource_changes"][0]["change"]["after"]["secret"] == "(sensitive)"
    data["resource_changes"][0]["change"]["after"]["secret"] = "hf_realtoken"
    with pytest.raises(ValueError) as info:
        decode(data)
    assert "hf_realtoken" not in str(info.value)
