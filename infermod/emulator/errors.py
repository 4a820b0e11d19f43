"""The API's error answers: a status code plus Scaleway's JSON error body.

The bodies follow the error types the SDKs parse (scaleway-sdk-go scw/errors.go, the JS
@scaleway/sdk-client standard errors): `invalid_arguments` with `details`, `not_found` with
`resource` and `resource_id`, `transient_state` with `current_state`, `quotas_exceeded` with
`details[].quota/current`, `precondition_failed` with `precondition` and `help_message`,
`too_many_requests` with `help_message`, `limit` and `reset_seconds`. The 400 and 404 bodies
were checked against recorded traffic; docs/scaleway-api-assumptions.md lists which others
are inferred.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error the API answers with: status code plus Scaleway's JSON error body."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(body.get("message", ""))
        self.status = status
        self.body = body
        self.headers = headers or {}


def not_found(resource: str, resource_id: str) -> ApiError:
    # the recordings name deployments `deployment` but models `Model`
    return ApiError(
        404,
        {
            "type": "not_found",
            "message": "resource is not found",
            "resource": resource,
            "resource_id": resource_id,
        },
    )


def invalid(argument: str, reason: str, help_message: str) -> ApiError:
    return ApiError(
        400,
        {
            "type": "invalid_arguments",
            "message": "invalid argument(s)",
            "details": [{"argument_name": argument, "reason": reason, "help_message": help_message}],
        },
    )


def transient(resource: str, resource_id: str, state: str) -> ApiError:
    return ApiError(
        409,
        {
            "type": "transient_state",
            "message": "resource is in a transient state",
            "resource": resource,
            "resource_id": resource_id,
            "current_state": state,
        },
    )


def locked(resource: str, resource_id: str) -> ApiError:
    return ApiError(
        403,
        {"type": "locked", "message": "resource is locked", "resource": resource, "resource_id": resource_id},
    )


def out_of_stock(resource: str) -> ApiError:
    return ApiError(
        503, {"type": "out_of_stock", "message": "resource is out of stock", "resource": resource}
    )


def quotas_exceeded(resource: str, quota: int, current: int) -> ApiError:
    return ApiError(
        403,
        {
            "type": "quotas_exceeded",
            "message": "quota(s) exceeded for this resource",
            "details": [{"resource": resource, "quota": quota, "current": current}],
        },
    )


def precondition_failed(precondition: str, help_message: str) -> ApiError:
    return ApiError(
        412,
        {
            "type": "precondition_failed",
            "message": "precondition failed",
            "precondition": precondition,
            "help_message": help_message,
        },
    )


def permissions_denied(resource: str, action: str, message: str = "insufficient permissions") -> ApiError:
    return ApiError(
        403,
        {
            "type": "permissions_denied",
            "message": message,
            "details": [{"resource": resource, "action": action}],
        },
    )


def too_many_requests(reset_seconds: int, quota: int = 100, window_seconds: int = 60) -> ApiError:
    return ApiError(
        429,
        {
            "type": "too_many_requests",
            "message": "too many requests",
            "help_message": "the request rate limit was reached; retry after the reset",
            "limit": {"quota": quota, "window_seconds": window_seconds},
            "reset_seconds": reset_seconds,
        },
    )
