"""The HTTP debug log, like Terraform's TF_LOG: `INFERMOD_LOG` and `INFERMOD_LOG_PATH`.

Levels: `trace` (each request with its headers and bodies), `debug` (one line per request:
method, path, status, duration, retry), `info`, `warn` (only failed calls worth a retry:
429, 5xx, connection errors), `error`, `off`. Lines go to stderr, or are appended to
INFERMOD_LOG_PATH. Credentials never appear: authentication headers, JSON fields named like
secrets and every value infermod knows to be sensitive are replaced by "(sensitive)".

A retry is recognised here, below the SDK, without the retry loop's help: a call repeating
the method and URL of a call that failed transiently on the same thread is a retry (even with
a look-up in between, as when a lost create is searched for before it is retried).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
import threading
import time
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit

from infermod import output
from infermod.lazyre import lazy

TRACE = 5
LEVELS = {
    "trace": TRACE,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "off": logging.CRITICAL + 10,
}
HIDDEN = "(sensitive)"
BODY_LIMIT = 4000
_SENSITIVE_NAME = lazy(
    r"authorization|token|secret|password|credential|cookie|api[-_]?key|access[-_]?key", re.I
)

logger = logging.getLogger("infermod.http")
logger.propagate = False
_handler: logging.Handler | None = None
_local = threading.local()


logging.addLevelName(TRACE, "TRACE")


class _UTCFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{record.msecs:03.0f}Z"


def configure(environ: dict[str, str] | None = None) -> None:
    """(Re)read INFERMOD_LOG and INFERMOD_LOG_PATH; called when a command opens its client."""
    global _handler
    env = os.environ if environ is None else environ
    if _handler is not None:
        logger.removeHandler(_handler)
        _handler.close()
        _handler = None
    name = env.get("INFERMOD_LOG", "").strip().lower()
    if not name:
        logger.setLevel(LEVELS["off"])
        return
    level = LEVELS.get(name)
    if level is None:
        output.warning(
            f"INFERMOD_LOG={name!r} is not a level (trace, debug, info, warn, error, off); using debug"
        )
        level = logging.DEBUG
    logger.setLevel(level)
    _handler = _open(env.get("INFERMOD_LOG_PATH", ""))
    _handler.setFormatter(_UTCFormatter("%(asctime)s [%(levelname)s] %(message)s"))
    logger.addHandler(_handler)


class _FileHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler on a file infermod opened itself, closed with it."""

    def close(self) -> None:
        try:
            self.stream.close()
        finally:
            super().close()


def _open(path: str) -> logging.Handler:
    if path:
        try:
            # O_NONBLOCK: a FIFO without a reader fails (ENXIO) instead of blocking forever;
            # writes block again as usual once it is open.
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
            fd = os.open(path, flags, 0o644)
            os.set_blocking(fd, True)
            return _FileHandler(os.fdopen(fd, "a", encoding="utf-8"))
        except OSError as exc:
            output.warning(f"INFERMOD_LOG_PATH {path}: {exc.strerror or exc}; logging to stderr instead")
    return logging.StreamHandler(sys.stderr)


def enabled() -> bool:
    return _handler is not None


class Call(NamedTuple):
    """One HTTP request being logged."""

    method: str
    url: str
    path: str
    started: float
    retry: int
    hidden: tuple[str, ...]  # this call's credential values, hidden wherever they appear

    @classmethod
    def start(cls, method: str, url: str, params: Any, headers: Any, body: Any) -> Call:
        if params:  # as requests sends them: None values dropped, lists repeated
            items = params.items() if isinstance(params, dict) else params
            pairs = [(k, v) for k, v in items if v is not None]
            url += ("&" if "?" in url else "?") + urlencode(pairs, doseq=True)
        headers = dict(headers or {})
        hidden = tuple(str(v) for k, v in headers.items() if _SENSITIVE_NAME.search(k) and v)
        retry = _failures().get((method.upper(), url), 0)
        call = cls(method.upper(), url, _safe_path(url), time.monotonic(), retry, hidden)
        if logger.isEnabledFor(TRACE):
            call._log(TRACE, f"request headers {json.dumps(_safe_headers(headers), sort_keys=True)}")
            if body and body not in ("{}", b"{}"):
                call._log(TRACE, f"request body {_safe_body(body)}")
        return call

    def answered(self, response: Any, now: float) -> None:
        status = int(response.status_code)
        transient = status == 429 or status >= 500
        self._done(str(status), now, transient)
        if logger.isEnabledFor(TRACE):
            self._log(
                TRACE, f"response headers {json.dumps(_safe_headers(dict(response.headers)), sort_keys=True)}"
            )
            if response.content:
                self._log(TRACE, f"response body {_safe_body(response.content)}")

    def failed(self, exc: BaseException, now: float) -> None:
        self._done(type(exc).__name__, now, True)

    def _done(self, outcome: str, now: float, transient: bool) -> None:
        failures = _failures()
        failures.pop((self.method, self.url), None)
        if transient and len(failures) < 64:  # bounded: a thread retries one call at a time
            failures[(self.method, self.url)] = self.retry + 1
        retry = f" (retry {self.retry})" if self.retry else ""
        level = logging.WARNING if transient else logging.DEBUG
        self._log(level, f"-> {outcome} in {(now - self.started) * 1000:.0f} ms{retry}")

    def _log(self, level: int, text: str) -> None:
        line = f"http {self.method} {self.path} {text}"
        for value in self.hidden:
            line = line.replace(value, HIDDEN)
        logger.log(level, output.redact(line))


def _failures() -> dict[tuple[str, str], int]:
    """This thread's calls whose last attempt failed transiently, with their attempt counts."""
    failures: dict[tuple[str, str], int] | None = getattr(_local, "failures", None)
    if failures is None:
        failures = _local.failures = {}
    return failures


def _safe_path(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, HIDDEN if _SENSITIVE_NAME.search(k) else v) for k, v in parse_qsl(parts.query, True)]
    return parts.path + (f"?{urlencode(query)}" if query else "")


def _safe_headers(headers: dict[str, Any]) -> dict[str, str]:
    return {k: HIDDEN if _SENSITIVE_NAME.search(k) else str(v) for k, v in headers.items()}


def _safe_body(body: Any) -> str:
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else str(body)
    with contextlib.suppress(ValueError):
        text = json.dumps(_hide_fields(json.loads(text)), sort_keys=True)
    return text if len(text) <= BODY_LIMIT else text[:BODY_LIMIT] + f"... ({len(text)} characters)"


def _hide_fields(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: HIDDEN if _SENSITIVE_NAME.search(str(k)) and v not in (None, "") else _hide_fields(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_hide_fields(v) for v in value]
    return value
