"""HTTP under the SDK: bounded time, pooled connections, proxy errors made readable.

The SDK calls `requests.request` with no timeout and a new connection each time. We give
`scaleway_core.api` a drop-in `requests` whose `request` uses one pooled keep-alive Session
shared by every thread of the command (readers and writers alike: against the real HTTPS API
a connection, and its TLS handshake, is reused by the next call whichever thread makes it),
connect and read timeouts, and a limit on each call's total duration (a read timeout alone
lets a server that sends one byte a second hold a call forever), all capped by the run's
deadline (`infermod.scw.deadline`). It also turns non-JSON error bodies (proxies, load
balancers) into Scaleway-shaped JSON so that the SDK raises a ScalewayException with the
status code.

It is also where every HTTP call can be seen: `INFERMOD_LOG=debug` logs each request (method,
path, status, duration, and whether it repeats a failed call: a retry), `trace` adds headers
and bodies; see infermod/scw/httplog.py.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import requests

from infermod.scw import deadline, httplog

DEFAULT_TIMEOUT = (10.0, 60.0)  # connect, read (seconds)
CALL_LIMIT = 90.0  # one call's whole duration, however slowly the bytes arrive
# Connections kept open for reuse: above the most calls a command makes at once (pages of
# three regions, 20 write slots, pollers), so a burst does not close what the next one needs.
POOL_SIZE = 64


class _Heard:
    """When the API last answered, and whether a call has failed since: a CI log that says
    only "still creating" for minutes while no call gets through would hide an outage."""

    last = time.monotonic()
    failed_since = False


def silence(now: float | None = None) -> float | None:
    """Seconds since the API last answered, once a call has failed since (a timeout, a refused
    or dropped connection); None while it answers."""
    if not _Heard.failed_since:
        return None
    return (time.monotonic() if now is None else now) - _Heard.last


class _BoundedRequests:
    def __init__(self, timeout: tuple[float, float]) -> None:
        self.timeout = timeout
        self._shared: requests.Session | None = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:  # anything else the SDK uses from `requests`
        return getattr(requests, name)

    def _session(self) -> requests.Session:
        with self._lock:
            if self._shared is None:
                session = requests.Session()
                adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE)
                session.mount("http://", adapter)
                session.mount("https://", adapter)
                self._shared = session
            return self._shared

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        if not httplog.enabled():
            return self._checked(method, url, **kwargs)
        call = httplog.Call.start(
            method, url, kwargs.get("params"), kwargs.get("headers"), kwargs.get("data")
        )
        try:
            response = self._checked(method, url, **kwargs)
        except (requests.RequestException, deadline.DeadlineExceeded) as exc:
            call.failed(exc, time.monotonic())
            raise
        call.answered(response, time.monotonic())
        return response

    def _checked(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        deadline.check()
        connect, read = kwargs.get("timeout") or self.timeout
        kwargs["timeout"] = (deadline.cap(connect), deadline.cap(read))
        limit = deadline.cap(CALL_LIMIT)
        session = self._session()
        box: dict[str, Any] = {}
        done = threading.Event()

        def call() -> None:
            try:
                box["response"] = session.request(method, url, **kwargs)
            except BaseException as exc:  # handed to the caller's thread below
                box["error"] = exc
            finally:
                done.set()

        # The call runs in a daemon thread so that the caller can stop waiting at the limit:
        # a socket read that keeps receiving a byte now and then never times out by itself.
        threading.Thread(target=call, name="infermod-http", daemon=True).start()
        if not done.wait(limit):
            _Heard.failed_since = True
            # the abandoned call keeps its connection until it ends; the pool opens another
            if deadline.expired():
                raise _late(method, url)
            raise deadline.DeadlineExceeded(
                f"no complete answer within {limit:.0f}s to {method} {_path(url)}"
            )
        if "error" in box:
            _Heard.failed_since = _Heard.failed_since or isinstance(box["error"], requests.RequestException)
            # the socket timeouts were cut to the deadline too, and under load they may fire
            # before the wait above: a timeout once the deadline has passed is the deadline's
            if isinstance(box["error"], requests.Timeout) and deadline.expired():
                raise _late(method, url) from box["error"]
            raise box["error"]
        response: requests.Response = box["response"]
        _Heard.last, _Heard.failed_since = time.monotonic(), False
        if response.status_code >= 400:
            _ensure_json_error(response)
        return response


def _late(method: str, url: str) -> deadline.DeadlineExceeded:
    return deadline.DeadlineExceeded(f"{deadline.describe()} while waiting for {method} {_path(url)}")


def _path(url: str) -> str:
    """The URL without scheme, host or query: what the call was about, never a credential."""
    from urllib.parse import urlsplit

    return urlsplit(url).path


def _ensure_json_error(response: requests.Response) -> None:
    try:
        body = response.json()
        if isinstance(body, dict) and "message" in body:
            return
    except ValueError:
        pass
    text = response.text.strip().replace("\n", " ")
    message = f"HTTP {response.status_code} {response.reason or ''}".strip()
    if text:
        message += f": {text[:200]}"
    response._content = json.dumps({"type": "non_json_error", "message": message}).encode()


_installed: _BoundedRequests | None = None


def install(timeout: tuple[float, float] = DEFAULT_TIMEOUT) -> None:
    global _installed
    import scaleway_core.api as core_api

    httplog.configure()
    if _installed is None:
        _installed = _BoundedRequests(timeout)
        core_api.requests = _installed  # type: ignore[assignment,attr-defined]
    _installed.timeout = timeout
