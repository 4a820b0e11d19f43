"""The builder's own guard against unknown fields, beside the schema's findings (a pure rule:
the raw mapping and the earlier findings in, findings out). The end-to-end cases, through
`infermod validate`, are in tests/config/test_load.py."""

from __future__ import annotations

from infermod.config.closed import unknown_fields, wrong_shapes
from infermod.findings import Finding

DEP = {"model": "meta/llama-3.1-8b-instruct:fp8", "node_type": "L4"}


def fields(raw: dict[str, object], *earlier: Finding) -> list[str | None]:
    return [f.field for f in unknown_fields(raw, {}, earlier)]


def schema(field: str, message: str, severity: str = "error") -> Finding:
    return Finding("schema", severity, message, field=field)


def test_only_an_earlier_error_silences_the_guard_not_a_warning_or_a_note():
    raw = {"deployments": {"d": {**DEP, "replica": 2}}}
    for severity in ("warning", "info"):
        said = schema("deployments.d.replica", "unknown key `replica`", severity)
        assert fields(raw, said) == ["deployments.d.replica"], severity
    assert fields(raw, schema("deployments.d.replica", "unknown key `replica`")) == []


def test_an_error_at_the_field_itself_silences_it_whatever_its_message_says():
    raw = {"deployments": {"d": {**DEP, "replica": 2}}}
    assert fields(raw, schema("deployments.d.replica", "must be a string")) == []
    # the same message at the object holding it: every key inside is already in question
    assert fields(raw, schema("deployments.d", "must be a string")) == []


def test_a_key_named_by_an_error_in_another_object_is_still_reported():
    # the schema names the unknown keys of an object at the first one's field, whose parent is
    # that object; the same key named inside a nested object says nothing about this one
    raw = {"deployments": {"d": {**DEP, "zone": "a", "lifecycle": {"zone": True}}}}
    nested = schema("deployments.d.lifecycle.zone", "unknown key `zone`")
    assert fields(raw, nested) == ["deployments.d.zone"]
    sibling = {"deployments": {"a": {**DEP, "zone": 1}, "b": {**DEP, "zone": 2}}}
    assert fields(sibling, schema("deployments.b.zone", "unknown key `zone`")) == ["deployments.a.zone"]


def test_every_key_after_those_the_schema_named_is_still_checked():
    raw = {"deployments": {"d": {**DEP, "replica": 2, "zone": "a", "region": "fr-par", "owner": "me"}}}
    said = schema("deployments.d.replica", "unknown key `replica`")
    assert fields(raw, said) == ["deployments.d.zone", "deployments.d.owner"]
    # one finding at the first key's field names the others too
    both = schema("deployments.d.replica", "unknown key `replica`, `zone`; expected one of: name, model")
    assert fields(raw, both) == ["deployments.d.owner"]


def test_a_misspelt_key_gets_the_closest_field_as_its_guess():
    [finding] = unknown_fields({"deployments": {"d": {**DEP, "nod_type": "L4"}}}, {}, [])
    assert "unknown key `nod_type` (did you mean `node_type`?)" in finding.message
    assert finding.resource == "deployment.d"
    [top] = unknown_fields({"defaults": {"regoin": "fr-par"}}, {}, [])
    assert (top.field, top.resource) == ("defaults.regoin", None)
    assert "(did you mean `region`?)" in top.message


def test_timeouts_blocks_are_checked_a_models_for_create_only():
    raw = {
        "models": {"m": {"source": "a/b", "type": "chat", "timeouts": {"create": "3h", "update": "1h"}}},
        "deployments": {
            "d": {**DEP, "timeouts": {"create": "80m", "update": "80m", "delete": "20m", "craete": "1m"}}
        },
    }
    found = unknown_fields(raw, {}, [])
    assert [f.field for f in found] == ["models.m.timeouts.update", "deployments.d.timeouts.craete"]
    assert "(did you mean `create`?); expected one of: create, update, delete" in found[1].message


def test_resources_of_the_wrong_shape_are_left_to_the_schema():
    # the schema says `models.m` is not an object; the guard neither crashes nor says more
    raw = {
        "models": {"m": 5, "n": ["x"]},
        "deployments": {"d": "x", "e": {**DEP, "timeouts": 5, "lifecycle": []}},
    }
    assert unknown_fields(raw, {}, []) == []


def test_a_wrong_shape_is_said_once_and_what_is_inside_it_is_not_walked():
    raw = {"deployments": {"d": {**DEP, "endpoints": [None, {"public": True}], "lifecycle": 5}}}
    found = wrong_shapes(raw, {}, [])
    assert [(f.field, f.message, f.resource) for f in found] == [
        ("deployments.d.lifecycle", "found int, expected an object", "deployment.d"),
        ("deployments.d.endpoints[0]", "found null, expected an object", "deployment.d"),
    ]
    # an earlier error about the field, or about what holds it, has said it
    assert wrong_shapes(raw, {}, [Finding("schema", "error", "x", field="deployments.d")]) == []
    said = [
        Finding("schema", "error", "x", field="deployments.d.endpoints"),
        Finding("schema", "error", "y", field="deployments.d.lifecycle"),
    ]
    assert wrong_shapes(raw, {}, said) == []
    # a warning says nothing, nor does an error about a sibling whose name starts the same
    for other in (
        Finding("schema", "warning", "x", field="deployments.d"),
        Finding("schema", "error", "x", field="deployments.d.lifecycle-x"),
    ):
        assert [f.field for f in wrong_shapes(raw, {}, [other])][:1] == ["deployments.d.lifecycle"]
    assert (
        wrong_shapes({"deployments": {"d": 5, "e": {"lifecycle": 5}}, "models": []}, {}, [])[0].field
        == "models"
    )


def test_a_resource_of_the_wrong_shape_is_a_finding_about_that_resource():
    found = wrong_shapes({"deployments": {"d": 5}, "models": {"m": []}}, {}, [])
    assert [(f.field, f.resource) for f in found] == [
        ("models.m", "model.m"),
        ("deployments.d", "deployment.d"),
    ]
    [section] = wrong_shapes({"models": []}, {}, [])
    assert (section.field, section.resource, section.message) == (
        "models",
        None,
        "found list, expected an object",
    )


def test_an_error_about_another_resource_says_nothing_of_this_one():
    raw = {"deployments": {"a": {**DEP, "lifecycle": 5}, "b": {**DEP, "lifecycle": 5}}}
    about_a = [Finding("schema", "error", "x", field="deployments.a")]
    assert [f.field for f in wrong_shapes(raw, {}, about_a)] == ["deployments.b.lifecycle"]
