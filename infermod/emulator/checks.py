"""What the emulated API checks in a deployment request, and how it builds endpoints."""

from __future__ import annotations

import uuid
from typing import Any

from infermod.emulator import catalog
from infermod.emulator.errors import invalid, out_of_stock, permissions_denied

FORBIDDEN_PROJECT = "ffffffff-ffff-ffff-ffff-ffffffffffff"  # every write is permissions_denied

# JSON types of the request fields the emulated routes read, wherever they appear; the real API
# refuses a mistyped field with invalid_arguments before looking at its value.
FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "project_id": str,
    "model_id": str,
    "deployment_id": str,
    "node_type_name": str,
    "private_network_id": str,
    "url": str,
    "secret": str,
    "tags": list,
    "endpoints": list,
    "endpoint": dict,
    "source": dict,
    "quantization": dict,
    "public_network": dict,
    "private_network": dict,
    "min_size": int,
    "max_size": int,
    "bits": int,
    "disable_auth": bool,
    "accept_eula": bool,
}
ITEM_TYPES: dict[str, type] = {"tags": str, "endpoints": dict}


def check_types(body: dict[str, Any], prefix: str = "") -> None:
    for key, value in body.items():
        if value is None:  # the SDK sends unset optional fields as null
            continue
        wanted = FIELD_TYPES.get(key)
        where = prefix + key
        # bool is an int in Python, never in JSON
        if wanted is not None and (
            not isinstance(value, wanted) or (wanted is int and isinstance(value, bool))
        ):
            raise invalid(where, "invalid", f"{where} has the wrong type")
        if key in ITEM_TYPES and not all(isinstance(item, ITEM_TYPES[key]) for item in value):
            raise invalid(where, "invalid", f"each item of {where} has the wrong type")
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                check_types(item, where + ".")


def require_project(body: dict[str, Any]) -> str:
    project = str(body.get("project_id") or "")
    try:
        uuid.UUID(project)
    except ValueError:
        raise invalid("project_id", "invalid", "project_id must be a UUID") from None
    check_writable(project)
    return project


def check_writable(project: str) -> None:
    if project == FORBIDDEN_PROJECT:
        raise permissions_denied("inference", "write")


def check_sizes(min_size: Any, max_size: Any) -> int:
    if not isinstance(min_size, int) or min_size < 1:
        raise invalid("min_size", "invalid", "min_size must be at least 1")
    if max_size != min_size:
        raise invalid("max_size", "not_equal", "autoscaling is not supported: max_size must equal min_size")
    return min_size


def node_type(region: str, name: Any, for_create: bool = True) -> dict[str, Any]:
    for node in catalog.node_types(region):
        if node["name"] == name:
            if for_create and node["disabled"]:
                raise invalid("node_type_name", "disabled", f"node type {name} is disabled")
            if for_create and node["stock_status"] == "out_of_stock":
                raise out_of_stock("node_type")
            return node
    raise invalid("node_type_name", "unknown", f"node type {name} does not exist in {region}")


def check_fit(model: dict[str, Any], node_type_name: str, quantization: Any) -> int:
    """The quantization a deployment gets: every node type is listed for every model, and
    one the model cannot run on has no `allowed` quantization."""
    support = [
        n for info in model["nodes_support"] for n in info["nodes"] if n["node_type_name"] == node_type_name
    ]
    allowed = [
        q["quantization_bits"] for q in (support[0]["quantizations"] if support else []) if q["allowed"]
    ]
    if not allowed:
        raise invalid(
            "node_type_name", "unsupported", f"model {model['name']} cannot run on node type {node_type_name}"
        )
    bits = quantization.get("bits") if isinstance(quantization, dict) else None
    if bits is None:
        return int(max(allowed))
    if bits not in allowed:
        raise invalid(
            "quantization.bits",
            "not_allowed",
            f"{bits}-bit quantization is not allowed for {model['name']} on {node_type_name} (allowed: {sorted(allowed)})",
        )
    return int(bits)


def endpoint(record: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    endpoint_id = str(uuid.uuid4())
    out: dict[str, Any] = {"id": endpoint_id, "disable_auth": bool(spec.get("disable_auth", False))}
    private = spec.get("private_network")
    if private is not None:
        pn = str(private.get("private_network_id") or "")
        try:
            uuid.UUID(pn)
        except ValueError:
            raise invalid(
                "endpoint.private_network.private_network_id", "invalid", "expected a UUID"
            ) from None
        out["private_network"] = {"private_network_id": pn}
        out["url"] = f"https://{record['id']}.{pn}.internal"
    elif spec.get("public_network") is not None:
        out["public_network"] = {}
        out["url"] = f"https://{record['id']}.ifr.{record['region']}.scaleway.com"
    else:
        raise invalid("endpoint", "required", "one of public_network or private_network is required")
    return out


def network_of(endpoint: dict[str, Any]) -> str:
    if endpoint.get("private_network"):
        return f"private network {endpoint['private_network']['private_network_id']}"
    return "the public network"
