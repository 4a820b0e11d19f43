"""Bounded retries with backoff for transient failures (429, 5xx, connection errors).

A rate-limited answer (429 `too_many_requests`) says when the limit resets: `reset_seconds`
in its body (the SDKs' TooManyRequestsError), or a `Retry-After` header. That wait is
honoured, and rate limits get their own time budget instead of the attempt count, so a
long reset is waited out rather than given up on. `out_of_stock` is not transient: retrying
a create on a node type Scaleway has none of only delays the error.

Retries are bounded three ways besides: attempts per call, a budget shared by every call of
the run (so that an outage does not turn a parallel apply into a flood of retries, each call
waiting its own full backoff; rate-limit waits, which the server asks for, do not spend it),
and the run's deadline (no sleep goes past it; once it has passed, nothing is retried).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import requests

from infermod.scw import deadline

T = TypeVar("T")

ATTEMPTS = 8
BASE_DELAY = 0.25
MAX_DELAY = 8.0
MAX_RESET_WAIT = 300.0  # one rate-limit wait at most
RATE_LIMIT_BUDGET = 600.0  # all rate-limit waits of one call at most
MAX_RATE_LIMITED = 60
BUDGET = 60.0  # retries the whole run may spend; each success earns a little back


class RetryBudget:
    """A token bucket shared by all calls: a retry costs one token, a success refunds a
    tenth (up to the capacity). Empty, failures are raised at once."""

    def __init__(self, capacity: float = BUDGET) -> None:
        self.capacity = capacity
        self.tokens = capacity
        self._lock = threading.Lock()

    def spend(self) -> bool:
        with self._lock:
            if self.tokens < 1:
                return False
            self.tokens -= 1
            return True

    def earn(self) -> None:
        with self._lock:
            self.tokens = min(self.capacity, self.tokens + 0.1)

    def reset(self, capacity: float = BUDGET) -> None:
        with self._lock:
            self.capacity = capacity
            self.tokens = capacity


budget = RetryBudget()


def status_of(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def body_of(exc: BaseException) -> dict[str, Any]:
    """The Scaleway JSON error body, or {} when there is none."""
    text = getattr(getattr(exc, "response", None), "text", None)
    try:
        body = json.loads(text) if isinstance(text, str | bytes) and text else {}
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def is_connection_error(exc: BaseException) -> bool:
    return isinstance(exc, requests.ConnectionError | requests.Timeout)


def is_transient(exc: BaseException) -> bool:
    status = status_of(exc)
    if status is not None and status >= 500 and body_of(exc).get("type") == "out_of_stock":
        return False
    return is_connection_error(exc) or status == 429 or (status is not None and status >= 500)


def may_have_happened(exc: BaseException) -> bool:
    """A write that failed this way may still have been carried out by the server."""
    status = status_of(exc)
    return is_connection_error(exc) or (status is not None and status >= 500)


def reset_after(exc: BaseException) -> float | None:
    """Seconds until a rate limit resets, from the body's `reset_seconds` or `Retry-After`."""
    reset = body_of(exc).get("reset_seconds")
    if isinstance(reset, int | float) and not isinstance(reset, bool) and reset >= 0:
        return min(float(reset), MAX_RESET_WAIT)
    response = getattr(exc, "response", None)
    header = response.headers.get("retry-after") if response is not None else None
    try:
        return min(max(float(header), 0.0), MAX_RESET_WAIT) if header else None
    except ValueError:
        return None


def delay_for(exc: BaseException, attempt: int) -> float:
    told = reset_after(exc)
    if told is not None:
        return told
    return min(MAX_DELAY, BASE_DELAY * 2.0**attempt) * (0.5 + random.random() / 2)


def with_retries(
    call: Callable[[], T],
    *,
    before_retry: Callable[[BaseException], T | None] | None = None,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] | None = None,
) -> T:
    """Run `call`, retrying transient failures. `before_retry` may find that a failed write
    happened after all (a lost response) and return its result instead of retrying."""
    failures = 0  # attempts used by other transient failures
    limited = 0  # rate-limited answers
    waited = 0.0  # time spent waiting out rate limits
    while True:
        try:
            result = call()
            budget.earn()
            return result
        except Exception as exc:
            if not is_transient(exc):
                raise
            if status_of(exc) == 429:
                delay = delay_for(exc, limited)
                limited += 1
                if waited + delay > RATE_LIMIT_BUDGET or limited > MAX_RATE_LIMITED:
                    raise
                waited += delay
            else:
                delay = delay_for(exc, failures)
                failures += 1
                if failures >= attempts:
                    raise
            left = deadline.remaining()
            if left is not None and delay >= left:
                raise  # no time left to wait and try again
            if status_of(exc) != 429 and not budget.spend():
                raise  # the run's retries are spent: an outage is not waited out call by call
            (sleep or time.sleep)(delay)
            if before_retry is not None and may_have_happened(exc):
                found = before_retry(exc)
                if found is not None:
                    return found
