"""Bounded retries with backoff for transient failures (429, 5xx, connection errors)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import requests

T = TypeVar("T")

ATTEMPTS = 8
BASE_DELAY = 0.25
MAX_DELAY = 8.0


def status_of(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def is_connection_error(exc: BaseException) -> bool:
    return isinstance(exc, requests.ConnectionError | requests.Timeout)


def is_transient(exc: BaseException) -> bool:
    status = status_of(exc)
    return is_connection_error(exc) or status == 429 or (status is not None and status >= 500)


def may_have_happened(exc: BaseException) -> bool:
    """A write that failed this way may still have been carried out by the server."""
    status = status_of(exc)
    return is_connection_error(exc) or (status is not None and status >= 500)


def delay_for(exc: BaseException, attempt: int) -> float:
    response = getattr(exc, "response", None)
    header = response.headers.get("retry-after") if response is not None else None
    if header:
        try:
            return min(float(str(header)), 60.0)
        except ValueError:
            pass
    return min(MAX_DELAY, BASE_DELAY * 2.0**attempt) * (0.5 + random.random() / 2)


def with_retries(
    call: Callable[[], T],
    *,
    before_retry: Callable[[BaseException], T | None] | None = None,
    attempts: int = ATTEMPTS,
) -> T:
    """Run `call`, retrying transient failures. `before_retry` may find that a failed write
    happened after all (a lost response) and return its result instead of retrying."""
    for attempt in range(attempts):
        try:
            return call()
        except Exception as exc:
            if not is_transient(exc) or attempt == attempts - 1:
                raise
            time.sleep(delay_for(exc, attempt))
            if before_retry is not None and may_have_happened(exc):
                found = before_retry(exc)
                if found is not None:
                    return found
    raise AssertionError("unreachable")
