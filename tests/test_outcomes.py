"""Honest outcomes: the report describes what exists, even after an outage ate the answers."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from infermod.scw import deadline
from tests.conftest import ACCESS_KEY, PROJECT, SECRET_KEY, start_emulator, write
from tests.helpers import stack_config

CONFIG = stack_config("d0", "d1", "d2")
DOWN = b'{"type": "unknown", "message": "service unavailable"}'


class _Proxy(BaseHTTPRequestHandler):
    """Forwards every request to `upstream`; subclasses decide in `_any` when to refuse."""

    upstream = ""

    def log_message(self, *_: Any) -> None:
        pass

    def _any(self) -> None:
        raise AssertionError("a proxy says how it answers")

    def do_GET(self) -> None:
        self._any()

    do_POST = do_PATCH = do_DELETE = do_GET

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def _forward(self, body: bytes) -> requests.Response:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        return requests.request(
            self.command, self.upstream + self.path, data=body, headers=headers, timeout=10
        )

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def _serving(handler: type[_Proxy], upstream: str) -> Iterator[str]:
    handler.upstream = upstream
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def outage_proxy(upstream: str, seconds: float) -> Iterator[str]:
    """Forwards to the emulator. The first create starts an outage: that create is carried out
    but its answer lost, every request until the run's deadline is refused, and every write
    after it; the re-read after the deadline is answered.

    The CLI runs in this process: the first create also moves the run's deadline to `seconds`
    from then, so however long a loaded machine takes to reach the creates, the run always
    makes them and always ends inside the outage."""
    state: dict[str, Any] = {"until": None}
    lock = threading.Lock()

    class Handler(_Proxy):
        def _any(self) -> None:
            body = self._body()
            with lock:
                until = state["until"]
                # writes stay refused after it, so no late retry can create what the re-read missed
                down = until is not None and (time.monotonic() < until or self.command != "GET")
                first_create = until is None and self.command == "POST" and self.path.endswith("/deployments")
                if first_create:
                    deadline.start(seconds)
                    state["until"] = time.monotonic() + seconds
            if down:
                return self._send(503, DOWN)
            answer = self._forward(body)
            if first_create:
                return self._send(503, DOWN)  # done upstream, answer lost
            self._send(answer.status_code, answer.content)

    with _serving(Handler, upstream) as url:
        yield url


def test_creates_whose_answers_an_outage_ate_are_reported_as_created(cli, tmp_path, monkeypatch):
    running, emulator = start_emulator(ready_after=0.3)
    try:
        with outage_proxy(running.url, seconds=1.0) as url:
            for key, value in {
                "SCW_ACCESS_KEY": ACCESS_KEY,
                "SCW_SECRET_KEY": SECRET_KEY,
                "SCW_API_URL": url,
                "SCW_DEFAULT_PROJECT_ID": PROJECT,
            }.items():
                monkeypatch.setenv(key, value)
            write(tmp_path / "infermod.yaml", CONFIG)
            # the outage sets the deadline that counts; this one only bounds a broken run
            result = cli("apply", "--auto-approve", "--timeout", "60s")
        report = result.out.split("\n\n")[-1]  # the report after the progress lines
        exists = {
            next(t.split("=", 1)[1] for t in dep["tags"] if t.startswith("infermod:name=")): dep["id"]
            for dep in running.app.store.list_deployments("fr-par")
        }
        assert exists, "the first create went through"
        # what exists is reported with its id, never as failed; what does not exist, failed
        for key in ("d0", "d1", "d2"):
            if key in exists:
                assert re.search(
                    rf"(ok|\.\.) deployment\.{key} (created|still creating) \[{exists[key]}\]", report
                ), report
            else:
                # refused by the outage, or its last retry cut short by the deadline
                assert re.search(
                    rf"!! deployment\.{key} failed: (503 unknown: service unavailable"
                    r"|the time limit \(1s, --timeout\) passed)",
                    report,
                ), report
        added = int(re.search(r"Deployments: (\d+) added", report).group(1))  # type: ignore[union-attr]
        creating = re.search(r"(\d+) still creating\.", report)
        assert added + (int(creating.group(1)) if creating else 0) == len(exists), report
    finally:
        emulator.shutdown()
        emulator.server_close()


@contextmanager
def down_after_creates(upstream: str, creates: int) -> Iterator[str]:
    """Forwards to the emulator until `creates` creates have been answered; then the API is
    down for good (503), so neither the waits nor the report's re-read can see anything."""
    state = {"creates": 0}
    lock = threading.Lock()

    class Handler(_Proxy):
        def _any(self) -> None:
            body = self._body()
            with lock:
                if state["creates"] >= creates:
                    return self._send(503, DOWN)
            answer = self._forward(body)
            with lock:
                if self.command == "POST" and self.path.endswith("/deployments") and answer.ok:
                    state["creates"] += 1
            self._send(answer.status_code, answer.content)

    with _serving(Handler, upstream) as url:
        yield url


def test_creates_whose_wait_an_outage_ended_are_named_by_id_when_nothing_can_be_reread(
    cli, tmp_path, monkeypatch
):
    running, emulator = start_emulator(ready_after=30)
    try:
        with down_after_creates(running.url, creates=3) as url:
            for key, value in {
                "SCW_ACCESS_KEY": ACCESS_KEY,
                "SCW_SECRET_KEY": SECRET_KEY,
                "SCW_API_URL": url,
                "SCW_DEFAULT_PROJECT_ID": PROJECT,
            }.items():
                monkeypatch.setenv(key, value)
            write(tmp_path / "infermod.yaml", CONFIG)
            result = cli("apply", "--auto-approve", "--timeout", "2s")
        assert result.code == 1
        assert "could not re-read the deployments to check this report" in result.err
        report = result.out.split("\n\n")[-1]
        exists = {
            next(t.split("=", 1)[1] for t in dep["tags"] if t.startswith("infermod:name=")): dep["id"]
            for dep in running.app.store.list_deployments("fr-par")
        }
        assert sorted(exists) == ["d0", "d1", "d2"]
        for key, dep_id in exists.items():  # each is said to exist, by its id
            assert re.search(
                rf"!! deployment\.{key} failed \[{dep_id}\]: created as {dep_id}, then", report
            ), report
    finally:
        emulator.shutdown()
        emulator.server_close()


def test_the_final_re_read_ends_inside_the_timeout_when_the_api_is_down(cli, tmp_path, monkeypatch):
    """The work stops a little before --timeout so the re-read runs inside it; against an API
    that answers 503 to everything after the creates, the command ends within --timeout + 2 s
    (it used to take 8 s more), and says what it could not read."""
    running, emulator = start_emulator(ready_after=30)
    try:
        with down_after_creates(running.url, creates=3) as url:
            for key, value in {
                "SCW_ACCESS_KEY": ACCESS_KEY,
                "SCW_SECRET_KEY": SECRET_KEY,
                "SCW_API_URL": url,
                "SCW_DEFAULT_PROJECT_ID": PROJECT,
            }.items():
                monkeypatch.setenv(key, value)
            write(tmp_path / "infermod.yaml", CONFIG)
            started = time.monotonic()
            result = cli("apply", "--auto-approve", "--timeout", "4s")
            took = time.monotonic() - started
        assert result.code == 1
        assert took < 4 + 2 + 1, took  # a second of slack for a loaded machine; not 8 s
        assert "could not re-read the deployments to check this report" in result.err
    finally:
        emulator.shutdown()
        emulator.server_close()
