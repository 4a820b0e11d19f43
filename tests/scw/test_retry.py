"""Bounded retries: transient failures retried with a bounded delay, a lost create found, others raised."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import requests

from infermod.scw import retry


class HTTPFailure(Exception):
    def __init__(self, status: int, retry_after: str | None = None) -> None:
        headers = {"retry-after": retry_after} if retry_after else {}
        self.response = SimpleNamespace(status_code=status, headers=headers)


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(retry.time, "sleep", slept.append)
    return slept


def failing(*errors: Exception):  # type: ignore[no-untyped-def]
    queue = list(errors)

    def call() -> str:
        if queue:
            raise queue.pop(0)
        return "done"

    return call


def test_transient_failures_are_retried_and_retry_after_is_honoured_up_to_a_bound(no_sleep):
    call = failing(
        HTTPFailure(429, "2"), HTTPFailure(503), requests.ConnectionError(), HTTPFailure(429, "600")
    )
    assert retry.with_retries(call) == "done"
    assert no_sleep[0] == 2.0 and no_sleep[3] == retry.MAX_RESET_WAIT
    assert 0 < no_sleep[1] <= retry.MAX_DELAY


def test_client_errors_are_not_retried(no_sleep):
    with pytest.raises(HTTPFailure):
        retry.with_retries(failing(HTTPFailure(400)))
    assert no_sleep == []


def test_attempts_are_bounded(no_sleep):
    with pytest.raises(HTTPFailure):
        retry.with_retries(failing(*[HTTPFailure(503)] * 10), attempts=3)
    assert len(no_sleep) == 2


def test_a_write_that_happened_despite_the_error_is_found_not_repeated():
    calls: list[str] = []

    def create() -> str:
        calls.append("create")
        raise requests.ConnectionError()

    assert retry.with_retries(create, before_retry=lambda exc: "found") == "found"
    assert calls == ["create"]
    assert not retry.may_have_happened(HTTPFailure(429))  # a 429 was refused: nothing happened
