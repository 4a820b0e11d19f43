"""Deployment lists straight from their JSON: the plan's hot read.

A plan reads every deployment of every region; through the SDK each one becomes a typed
object (two timestamps through dateutil) that is then copied into an ActualDeployment, about
two thirds of a 5,000-deployment read's CPU. Here the SDK still makes the request (its
client, authentication, transport and error handling: `_request` and `_throw_on_error` are
what each of its generated list methods calls), and the JSON becomes ActualDeployment
directly. `to_deployment` (convert.py) reads the SDK's objects for every other call; the
tests hold the two to equal results.

Given the stack being planned (`owner`), a deployment that stack does not own becomes a light
record: a plan reads of it only what the ownership-conflict, model-in-use and quota checks
need (name, place, status, tags, model, node type and sizes), so its endpoints and timestamps
are left out (empty) instead of converted, the bulk of converting thousands of others.

Memory: a plan holds every deployment read until it ends, and JSON gives each one its own copy
of every string. The values deployments share (region, project, status, node type, model,
the stack's and the users' tags) are interned, so thousands of deployments hold one copy of
each (about 480 bytes a deployment, a third of the state a plan keeps); the values that are
each deployment's own (ids, names, URLs, its key and create tags) are not.
"""

from __future__ import annotations

import datetime as dt
from sys import intern
from typing import Any

from infermod.state import CREATE_TAG, NAME_TAG, STACK_TAG, ActualDeployment, ActualEndpoint, tag_value

OWN_TAGS = (NAME_TAG, CREATE_TAG)  # one deployment's own: not worth interning


class DeploymentPage:
    """One page of `GET /deployments`, its JSON turned into records when first read, by the
    thread that reads it. Pages after the first are fetched by a pool of threads; parsed there,
    each thread's page of JSON (about 3 KB a deployment while it is turned into records) would
    stay in that thread's own malloc arena, a plan's largest memory cost after the
    configuration. Read by the thread that lists, the pages reuse one arena, one after another."""

    __slots__ = ("_owner", "_parsed", "_response")

    def __init__(self, response: Any, owner: str | None) -> None:
        self._response = response
        self._owner = owner
        self._parsed: tuple[list[ActualDeployment], int] | None = None

    @property
    def deployments(self) -> list[ActualDeployment]:
        return self._parse()[0]

    @property
    def total_count(self) -> int:
        return self._parse()[1]

    def _parse(self) -> tuple[list[ActualDeployment], int]:
        if self._parsed is None:
            body = self._response.json()
            self._response = None  # its body is no longer needed
            listed = body.get("deployments") or ()
            owner = self._owner
            if owner is None:
                deployments = [deployment_from_json(d) for d in listed]
            else:
                deployments = [
                    deployment_from_json(d)
                    if tag_value(d.get("tags") or (), STACK_TAG) == owner
                    else light_from_json(d)
                    for d in listed
                ]
            self._parsed = (deployments, int(body.get("total_count") or 0))
        return self._parsed


def deployments_page(
    api: Any, region: str, page: int, page_size: int, owner: str | None = None, **filters: Any
) -> DeploymentPage:
    """One page of `GET /deployments`; `filters`: project_id, organization_id, tags. Only the
    filters given are sent (the SDK's list method would add the default project). With an
    `owner` stack, the deployments it does not own are light records."""
    res = api._request(
        "GET",
        f"/inference/v1/regions/{region}/deployments",
        params={"page": page, "page_size": page_size, **filters},
    )
    api._throw_on_error(res)
    return DeploymentPage(res, owner)


def deployment_from_json(d: dict[str, Any]) -> ActualDeployment:
    """Fields the API always sends are required (as the SDK's unmarshalling requires them)."""
    quantization = d.get("quantization")
    return ActualDeployment(
        id=d["id"],
        name=d["name"],
        region=intern(str(d.get("region"))),
        project_id=intern(d["project_id"]),
        status=intern(str(d.get("status"))),
        tags=_tags(d.get("tags")),
        node_type=intern(d["node_type_name"]),
        model_id=intern(d["model_id"]),
        model_name=intern(d["model_name"]),
        min_size=d["min_size"],
        max_size=d["max_size"],
        size=d["size"],
        quantization=quantization.get("bits") if quantization else None,
        endpoints=tuple(_endpoint(e) for e in d.get("endpoints") or ()),
        error_message=d.get("error_message"),
        created_at=iso(d.get("created_at")),
        updated_at=iso(d.get("updated_at")),
    )


def light_from_json(d: dict[str, Any]) -> ActualDeployment:
    """A deployment the stack does not own: no endpoints, no timestamps (see the docstring)."""
    quantization = d.get("quantization")
    return ActualDeployment(
        d["id"],
        d["name"],
        intern(str(d.get("region"))),
        intern(d["project_id"]),
        intern(str(d.get("status"))),
        _tags(d.get("tags")),
        intern(d["node_type_name"]),
        intern(d["model_id"]),
        intern(d["model_name"]),
        d["min_size"],
        d["max_size"],
        d["size"],
        quantization.get("bits") if quantization else None,
        (),
        d.get("error_message"),
        "",
        "",
    )


def _tags(tags: list[str] | None) -> tuple[str, ...]:
    return tuple(t if t.startswith(OWN_TAGS) else intern(t) for t in tags or ())


def _endpoint(e: dict[str, Any]) -> ActualEndpoint:
    private = e.get("private_network")
    return ActualEndpoint(
        id=e["id"],
        public=private is None,
        private_network_id=private.get("private_network_id") if private else None,
        disable_auth=bool(e.get("disable_auth")),
        url=e.get("url") or "",
    )


def iso(text: str | None) -> str:
    """The timestamp as the SDK path writes it: parsed, then isoformat()."""
    if not text:
        return ""
    try:
        return dt.datetime.fromisoformat(text).isoformat()
    except ValueError:  # a form fromisoformat does not know: parse it as the SDK does
        from dateutil import parser

        return str(parser.isoparse(text).isoformat())
