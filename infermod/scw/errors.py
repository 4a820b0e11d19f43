"""Scaleway API failures as one readable line."""

from __future__ import annotations

import json

from infermod.errors import ScalewayError
from infermod.scw.retry import is_connection_error, status_of


def describe(exc: BaseException) -> str:
    if is_connection_error(exc):
        return f"cannot reach the Scaleway API ({type(exc).__name__})"
    status = status_of(exc)
    if status is None:
        return str(exc)
    response = getattr(exc, "response", None)
    try:
        body = json.loads(response.text) if response is not None else {}
    except ValueError:
        body = {}
    kind = body.get("type", "error")
    message = body.get("message", "")
    details = body.get("details") or []
    extra = "; ".join(
        d.get("help_message")
        or f"{d.get('resource', '')} quota {d.get('quota')} (current {d.get('current')})"
        for d in details
        if isinstance(d, dict)
    )
    if kind == "denied_authentication":
        return f"{status} denied_authentication: the API key was refused; check SCW_ACCESS_KEY/SCW_SECRET_KEY"
    return f"{status} {kind}: {message}" + (f" ({extra})" if extra else "")


def as_fatal(exc: BaseException, doing: str) -> ScalewayError:
    return ScalewayError(f"{doing}: {describe(exc)}")
