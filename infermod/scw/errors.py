"""Scaleway API failures as one readable line.

The error types and their fields are those the SDKs parse (scaleway-sdk-go scw/errors.go,
@scaleway/sdk-client's standard errors); docs/scaleway-api-assumptions.md lists them.
"""

from __future__ import annotations

from typing import Any

from infermod.errors import ScalewayError
from infermod.scw.deadline import DeadlineExceeded
from infermod.scw.retry import body_of, is_connection_error, status_of


def describe(exc: BaseException) -> str:
    if isinstance(exc, DeadlineExceeded):
        return str(exc)
    if is_connection_error(exc):
        return f"cannot reach the Scaleway API ({type(exc).__name__})"
    status = status_of(exc)
    if status is None:
        return str(exc)
    body = body_of(exc)
    kind = str(body.get("type") or "error")
    if kind == "denied_authentication":
        return f"{status} denied_authentication: the API key was refused; check SCW_ACCESS_KEY/SCW_SECRET_KEY"
    message = str(body.get("message") or "")
    extra = _details(kind, body)
    return f"{status} {kind}: {message}" + (f" ({extra})" if extra else "")


def _details(kind: str, body: dict[str, Any]) -> str:
    details = [d for d in body.get("details") or [] if isinstance(d, dict)]
    if kind == "invalid_arguments":
        return "; ".join(
            f"{d.get('argument_name')}: {d.get('help_message') or d.get('reason')}" for d in details
        )
    if kind == "quotas_exceeded":
        return (
            "; ".join(
                f"{d.get('resource')}: quota {d.get('quota')}, {d.get('current')} in use" for d in details
            )
            + "; ask Scaleway for a higher quota in the console (Organization > Quotas)"
        )
    if kind == "locked":
        return (
            f"{body.get('resource', '')} {body.get('resource_id', '')}: only Scaleway can unlock it".strip()
        )
    if kind in ("transient_state", "not_found", "already_exists"):
        state = f", status {body['current_state']}" if body.get("current_state") else ""
        return f"{body.get('resource', '')} {body.get('resource_id', '')}{state}".strip()
    if kind == "out_of_stock":
        return (
            f"{body.get('resource', 'node type')} is out of stock: try another node type or region, or later"
        )
    if kind == "precondition_failed":
        return f"{body.get('precondition', '')}: {body.get('help_message', '')}".strip(": ")
    if kind == "too_many_requests":
        reset = body.get("reset_seconds")
        return f"rate limit resets in {reset} s" if reset is not None else str(body.get("help_message") or "")
    if kind == "permissions_denied":
        return "; ".join(f"{d.get('action')} {d.get('resource')}" for d in details)
    return "; ".join(str(d.get("help_message")) for d in details if d.get("help_message"))


def as_fatal(exc: BaseException, doing: str) -> ScalewayError:
    return ScalewayError(f"{doing}: {describe(exc)}")
