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
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from infermod.state import STACK_TAG, ActualDeployment, ActualEndpoint, tag_value


class DeploymentPage(NamedTuple):
    deployments: list[ActualDeployment]
    total_count: int


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
    body = res.json()
    listed = body.get("deployments") or ()
    if owner is None:
        deployments = [deployment_from_json(d) for d in listed]
    else:
        deployments = [
            deployment_from_json(d)
            if tag_value(d.get("tags") or (), STACK_TAG) == owner
            else light_from_json(d)
            for d in listed
        ]
    return DeploymentPage(deployments, int(body.get("total_count") or 0))


def deployment_from_json(d: dict[str, Any]) -> ActualDeployment:
    """Fields the API always sends are required (as the SDK's unmarshalling requires them)."""
    quantization = d.get("quantization")
    return ActualDeployment(
        id=d["id"],
        name=d["name"],
        region=str(d.get("region")),
        project_id=d["project_id"],
        status=str(d.get("status")),
        tags=tuple(d.get("tags") or ()),
        node_type=d["node_type_name"],
        model_id=d["model_id"],
        model_name=d["model_name"],
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
        str(d.get("region")),
        d["project_id"],
        str(d.get("status")),
        tuple(d.get("tags") or ()),
        d["node_type_name"],
        d["model_id"],
        d["model_name"],
        d["min_size"],
        d["max_size"],
        d["size"],
        quantization.get("bits") if quantization else None,
        (),
        d.get("error_message"),
        "",
        "",
    )


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
