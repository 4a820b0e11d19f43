"""`infermod output`'s values at their edges: no endpoint, lists, indexes, raw values.
The command end to end is tests/commands/test_output.py."""

from __future__ import annotations

import json

import pytest

from infermod.errors import FatalError
from infermod.render.deployments import deployments_json, lookup, render_deployments, render_value
from infermod.state import ActualDeployment, ActualEndpoint

PRIVATE = ActualEndpoint("e1", False, "pn-1", False, "https://private.example")
PUBLIC = ActualEndpoint("e2", True, None, True, "https://public.example")


def deployed(key: str, endpoints=(), tags=None) -> ActualDeployment:
    tags = ("infermod:stack=s", f"infermod:name={key}") if tags is None else tags
    return ActualDeployment(
        f"id-{key}",
        key,
        "fr-par",
        "p",
        "ready",
        tags,
        "L4",
        "m-id",
        "meta/m:fp8",
        1,
        1,
        1,
        8,
        endpoints,
        None,
        "",
        "",
    )


def values(*deployments):
    return deployments_json("s", deployments)["deployments"]


def test_the_url_is_the_first_public_endpoint_else_the_first_else_none():
    got = values(deployed("both", (PRIVATE, PUBLIC)), deployed("private", (PRIVATE,)), deployed("none"))
    assert [got[k]["url"] for k in ("both", "private", "none")] == [PUBLIC.url, PRIVATE.url, None]
    assert got["none"]["endpoints"] == []
    with pytest.raises(FatalError, match=r"`none.url` has no value \(null\)"):
        render_value(lookup(got, "none.url", set()), "none.url", raw=True)


def test_a_deployment_without_its_name_tag_is_listed_under_its_name():
    assert list(values(deployed("bare", tags=()))) == ["bare"]


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("d.endpoints.-1", "`d.endpoints` has 0 to 1"),
        ("d.endpoints.2", "`d.endpoints` has 0 to 1"),
        ("e.endpoints.0", "`e.endpoints` has nothing: it is a single value"),
        ("d.endpoints.0.url.x", "`d.endpoints.0.url` has nothing"),
        ("deployment", "the stack's deployments are d, e"),
        ("d.", "`d` has id, name, region"),
    ],
)
def test_a_wrong_step_names_what_exists_there(key, message):
    got = values(deployed("d", (PRIVATE, PUBLIC)), deployed("e"))
    with pytest.raises(FatalError, match=message.replace(".", r"\.").replace("(", r"\(")):
        lookup(got, key, set())


def test_the_address_form_and_indexes_reach_the_same_values():
    got = values(deployed("d", (PRIVATE, PUBLIC)))
    assert lookup(got, "deployment.d.endpoints.1.disable_auth", set()) is True
    assert render_value(True, "k", raw=True) == "true" and render_value(1, "k", raw=True) == "1"
    assert (
        json.loads(render_value(lookup(got, "d.endpoints", set()), "k", raw=False))[0]["url"] == PRIVATE.url
    )
    with pytest.raises(FatalError, match="`k` is a list, and --raw prints one"):
        render_value([], "k", raw=True)


def test_the_table_puts_each_endpoint_on_its_own_line():
    text = render_deployments("s", [deployed("d", (PRIVATE, PUBLIC)), deployed("e")], "text")
    lines = text.splitlines()
    assert lines[0].split() == ["deployment", "region", "status", "model", "endpoints"]
    assert lines[2].split() == ["d", "fr-par", "ready", "meta/m:fp8", PRIVATE.url]
    assert lines[3].strip() == PUBLIC.url and lines[4].split() == ["e", "fr-par", "ready", "meta/m:fp8"]
    assert render_deployments("s", [], "text") == "Stack `s` owns no deployment yet: run `infermod apply`."
    assert json.loads(render_deployments("s", [], "json")) == {
        "format_version": "1",
        "stack": "s",
        "deployments": {},
    }
