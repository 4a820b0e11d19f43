"""The view of `infermod output`: each owned deployment's status and endpoint URLs, or one value.

KEY is a dotted path into the JSON form: `support-bot` (the deployment), `support-bot.url`
(its first public endpoint, else its first), `support-bot.endpoints.0.url` (from 0); the address form
`deployment.support-bot.url` works too. `raw` prints a single string, number or boolean with
nothing around it, for scripts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from infermod import hints
from infermod.errors import FatalError
from infermod.state import ActualDeployment

FORMAT_VERSION = "1"


class PrivateAccess(NamedTuple):
    """What a client on a Private Network needs besides the URL: the CA certificate (PEM) that
    signs the private endpoints, and the deployment's private IP on each network (IPAM)."""

    certificate: str | None
    ips: Mapping[str, str]


def deployments_json(
    stack: str, deployments: Sequence[ActualDeployment], access: Mapping[str, PrivateAccess] | None = None
) -> dict[str, Any]:
    """`access`: by deployment id, for those with private endpoints (absent: not read)."""
    return {
        "format_version": FORMAT_VERSION,
        "stack": stack,
        "deployments": {d.key or d.name: deployment_values(d, (access or {}).get(d.id)) for d in deployments},
    }


def render_deployments(
    stack: str,
    deployments: Sequence[ActualDeployment],
    fmt: str,
    access: Mapping[str, PrivateAccess] | None = None,
) -> str:
    if fmt == "json":
        return json.dumps(deployments_json(stack, deployments, access), indent=2)
    if not deployments:
        return f"Stack `{stack}` owns no deployment yet: run `{hints.command('apply')}`."
    rows = [
        [d.key, d.region, d.status, d.model_name, "\n".join(e.url for e in d.endpoints)] for d in deployments
    ]
    from tabulate import tabulate  # only for this view: a tenth of plan's start-up otherwise

    from infermod.wrap import width, wrap

    table = tabulate(rows, headers=["deployment", "region", "status", "model", "endpoints"])
    columns = width()
    if max(len(line) for line in table.splitlines()) <= columns:
        return table
    # too wide for a table (an endpoint URL alone is ~70 columns): one block per deployment,
    # its URLs each on a line of their own, whole, so that they can be copied
    lines: list[str] = []
    for d in deployments:
        lines += wrap([f"{d.key}: {d.status}, {d.region}, {d.model_name}"], columns)
        lines += [f"  {e.url}" for e in d.endpoints if e.url]
    return "\n".join(lines)


def render_outputs(stack: str, deployments: Sequence[ActualDeployment]) -> str:
    """Terraform's `Outputs:` after apply and destroy: each owned deployment's endpoint URLs,
    private ones included, as `KEY` paths that `infermod output KEY --raw` prints alone."""
    if not deployments:
        return ""
    lines = ["", "Outputs:", ""]
    for d in deployments:
        values = deployment_values(d)
        key = d.key or d.name
        if values["status"] != "ready":
            lines.append(f"{key}.status = {json.dumps(values['status'])}")
        if values["url"] is not None:
            lines.append(f"{key}.url = {json.dumps(values['url'])}")
        for index, endpoint in enumerate(values["endpoints"]):
            if endpoint["url"] == values["url"] or not endpoint["url"]:
                continue
            where = (
                "public"
                if endpoint["public"]
                else f"private network {endpoint['private_network_id'] or '(unknown)'}"
            )
            lines += _fitted(f"{key}.endpoints.{index}.url = {json.dumps(endpoint['url'])}", f"# {where}")
    return "\n".join(lines)


def _fitted(assignment: str, comment: str) -> list[str]:
    """`KEY = "value"  # comment` on one line when it fits the width; else the comment goes on
    the next line, indented. The assignment itself is never broken: its value is a URL."""
    from infermod.wrap import width

    line = f"{assignment}  {comment}"
    return [line] if len(line) <= width() else [assignment, f"    {comment}"]


def deployment_values(d: ActualDeployment, access: PrivateAccess | None = None) -> dict[str, Any]:
    ips = access.ips if access else {}
    endpoints = [
        {
            "url": e.url,
            "public": e.public,
            "private_network_id": e.private_network_id,
            "disable_auth": e.disable_auth,
            "private_ip": ips.get(e.private_network_id) if e.private_network_id else None,
        }
        for e in d.endpoints
    ]
    public = [e["url"] for e in endpoints if e["public"]]
    return {
        "id": d.id,
        "name": d.name,
        "region": d.region,
        "status": d.status,
        "model": d.model_name,
        "node_type": d.node_type,
        "size": d.size,
        "url": (public or [e["url"] for e in endpoints] or [None])[0],
        "endpoints": endpoints,
        "certificate": access.certificate if access else None,
    }


def lookup(deployments: dict[str, Any], key: str, declared: set[str]) -> Any:
    """The value at dotted `key`, or a FatalError that lists what exists at the failing step."""
    parts = key.split(".")
    if parts[0] == "deployment" and len(parts) > 1:
        parts = parts[1:]
    name, path = parts[0], parts[1:]
    if name not in deployments:
        if name in declared:
            raise FatalError(f"deployment.{name} is not deployed yet: run `{hints.command('apply')}`")
        known = ", ".join(sorted(deployments)) or "none yet"
        raise FatalError(f"no output `{key}`: the stack's deployments are {known}")
    value: Any = deployments[name]
    walked = name
    for part in path:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise FatalError(f"no output `{key}`: `{walked}` has {_choices(value)}")
        walked += f".{part}"
    return value


def _choices(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(value)
    if isinstance(value, list) and value:
        return f"0 to {len(value) - 1}"
    return "nothing: it is a single value"


def render_value(value: Any, key: str, *, raw: bool) -> str:
    if not raw:
        return json.dumps(value, indent=2)
    if isinstance(value, dict | list):
        raise FatalError(
            f"`{key}` is {'an object' if isinstance(value, dict) else 'a list'}, and --raw prints one "
            "string, number or boolean: name one of its fields, or use --json"
        )
    if value is None:
        raise FatalError(f"`{key}` has no value (null)")
    return str(value).lower() if isinstance(value, bool) else str(value)
