"""Retries: rate limits honoured from `reset_seconds`, out-of-stock not retried, bounded."""

from __future__ import annotations

import json

import pytest
import requests
from scaleway import ScalewayException
from scaleway.inference.v1 import InferenceV1API

from infermod.scw import retry, transport
from infermod.scw.errors import describe
from tests.conftest import sdk_client, start_emulator


def failure(status: int, body: object, headers: dict[str, str] | None = None) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode() if not isinstance(body, bytes) else body
    response.headers.update(headers or {})
    return requests.HTTPError(response=response)


def test_reset_seconds_wins_and_is_bounded():
    assert retry.reset_after(failure(429, {"type": "too_many_requests", "reset_seconds": 42})) == 42
    assert retry.reset_after(failure(429, {"reset_seconds": 10**6})) == retry.MAX_RESET_WAIT
    assert retry.reset_after(failure(429, {}, {"retry-after": "3"})) == 3
    assert retry.reset_after(failure(429, {"reset_seconds": "soon"}, {"retry-after": "x"})) is None
    assert retry.reset_after(failure(429, b"<html>")) is None


def test_a_rate_limit_is_waited_out_beyond_the_attempt_count():
    answers = [failure(429, {"type": "too_many_requests", "reset_seconds": 45})] * 12
    slept: list[float] = []

    def call() -> str:
        if answers:
            raise answers.pop()
        return "done"

    assert retry.with_retries(call, sleep=slept.append) == "done"
    assert slept == [45.0] * 12  # 9 minutes, more than ATTEMPTS


def test_rate_limits_stop_at_their_budget():
    slept: list[float] = []

    def call() -> None:
        raise failure(429, {"type": "too_many_requests", "reset_seconds": 250})

    with pytest.raises(requests.HTTPError):
        retry.with_retries(call, sleep=slept.append)
    assert sum(slept) <= retry.RATE_LIMIT_BUDGET and len(slept) == 2


def test_out_of_stock_is_not_retried_and_other_5xx_are_bounded():
    calls = []

    def stock() -> None:
        calls.append(1)
        raise failure(
            503, {"type": "out_of_stock", "message": "resource is out of stock", "resource": "node_type"}
        )

    with pytest.raises(requests.HTTPError) as info:
        retry.with_retries(stock, sleep=lambda _: None)
    assert len(calls) == 1 and "out of stock: try another node type" in describe(info.value)
    calls.clear()

    def down() -> None:
        calls.append(1)
        raise failure(503, {"type": "unknown", "message": "unavailable"})

    with pytest.raises(requests.HTTPError):
        retry.with_retries(down, sleep=lambda _: None)
    assert len(calls) == retry.ATTEMPTS


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {
                "type": "locked",
                "message": "resource is locked",
                "resource": "deployment",
                "resource_id": "d1",
            },
            "only Scaleway can unlock it",
        ),
        (
            {
                "type": "quotas_exceeded",
                "message": "quota(s) exceeded for this resource",
                "details": [{"resource": "inference_h100_nodes", "quota": 3, "current": 3}],
            },
            "quota 3, 3 in use",
        ),
        (
            {
                "type": "transient_state",
                "message": "resource is in a transient state",
                "resource": "deployment",
                "resource_id": "d1",
                "current_state": "deploying",
            },
            "status deploying",
        ),
        (
            {
                "type": "precondition_failed",
                "message": "precondition failed",
                "precondition": "resource_still_in_use",
                "help_message": "used by x",
            },
            "resource_still_in_use: used by x",
        ),
        ({"type": "too_many_requests", "message": "too many requests", "reset_seconds": 9}, "resets in 9 s"),
        (
            {
                "type": "invalid_arguments",
                "message": "invalid argument(s)",
                "details": [{"argument_name": "endpoints", "reason": "required", "help_message": "need one"}],
            },
            "endpoints: need one",
        ),
    ],
)
def test_error_bodies_read_as_one_line(body, expected):
    text = describe(failure(400, body))
    assert expected in text and body["type"] in text


def test_the_emulator_rate_limit_is_honoured_through_the_sdk():
    transport.install()  # as infermod's client does: HTML error pages become Scaleway errors
    running, server = start_emulator(fault_rate=1.0, seed=5, retry_after=7)
    slept: list[float] = []
    try:
        api = InferenceV1API(sdk_client(running.url))
        with pytest.raises(ScalewayException):
            retry.with_retries(lambda: api.list_deployments(), sleep=slept.append)
    finally:
        server.shutdown()
        server.server_close()
    assert 7.0 in slept  # the 429s' reset_seconds
    assert any(s < 7 for s in slept)  # the 503s' backoff
