"""The `requests` the SDK calls: timeouts capped by the run's deadline, and a socket timeout
after the deadline reported as the deadline, against real servers on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import requests

from infermod.scw import deadline, transport


@pytest.fixture(autouse=True)
def bounded() -> Iterator[Callable[..., requests.Response]]:
    import scaleway_core.api as core_api

    transport.install()
    deadline.start(None)
    yield core_api.requests.request  # what the SDK calls
    deadline.start(None)


@contextmanager
def silent_server(on_request: Callable[[], None] = lambda: None) -> Iterator[str]:
    """Reads each request, runs `on_request`, and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    conns: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conns.append(conn)
            conn.recv(65536)
            on_request()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/inference/v1/regions/fr-par/deployments"
    finally:
        listener.close()
        for conn in conns:
            conn.close()


def test_a_read_timeout_without_a_deadline_stays_a_read_timeout(bounded):
    with silent_server() as url, pytest.raises(requests.ReadTimeout):
        bounded("GET", url, timeout=(1.0, 0.3))


def test_a_read_timeout_after_the_deadline_is_reported_as_the_deadline(bounded):
    # the deadline passes while the server holds the request (the call started before it):
    # the socket's own timeout ends the call, and it must read as the run's time limit
    with (
        silent_server(on_request=lambda: deadline.start(0.0)) as url,
        pytest.raises(deadline.DeadlineExceeded) as caught,
    ):
        bounded("GET", url, timeout=(1.0, 1.0))
    assert str(caught.value).startswith("the time limit (0s, --timeout) passed while waiting for GET ")
    assert str(caught.value).endswith("/inference/v1/regions/fr-par/deployments")
    assert isinstance(caught.value.__cause__, requests.Timeout)


def test_no_call_starts_after_the_deadline(bounded):
    requested: list[bool] = []
    deadline.start(0.0)
    with (
        silent_server(on_request=lambda: requested.append(True)) as url,
        pytest.raises(deadline.DeadlineExceeded),
    ):
        bounded("GET", url)
    assert requested == []


def test_readers_and_writers_share_keep_alive_connections(emulator, sdk):
    """Reads fetch pages in threads of their own, writes come from others: all reuse the
    command's pooled connections, so a second read opens none (each used to be a TLS handshake)."""
    from infermod.scw.gateway import Gateway
    from tests.conftest import PROJECT, sdk_client
    from tests.helpers import create, owned

    for i in range(5):
        create(sdk, f"d{i}", owned("shop", f"d{i}"))
    gateway = Gateway(sdk_client(emulator.url))
    gateway.page_size = 1  # five pages: the first, then four at once in new threads
    pairs = [("fr-par", PROJECT)]
    emulator.reset_stats()
    for _ in range(4):
        gateway.read(pairs, kinds=("deployments",), with_products=False)
        gateway.delete_deployment("fr-par", "00000000-0000-4000-8000-000000000000")  # a write: 404
    assert emulator.stats()["total"] >= 4 * 6
    # never more connections than calls at once (four), whichever threads make the calls;
    # a connection per thread would open four more with every read
    assert emulator.app.connections <= 4 + 1  # + the one that asked for the stats


def test_progress_says_when_the_api_stopped_answering_and_stops_saying_it_once_it_answers(
    bounded, emulator, monkeypatch
):
    """An API that stops answering must not read as "still creating" for minutes: the CI
    heartbeat says since when nothing got through; the first answer clears it."""
    import io

    from infermod.apply import progress

    monkeypatch.setattr(progress, "API_SILENCE_SHOWN", 0.0)
    log = io.StringIO()
    lines = progress.Progress(log, live=False, heartbeat=0.0)
    lines.start("deployment.chat", "creating")
    with silent_server() as url, pytest.raises(requests.ReadTimeout):
        bounded("GET", url, timeout=(1.0, 0.2))
    lines.tick()
    assert "deployment.chat: still creating" in log.getvalue()
    assert "; no answer from the API for 0s (retrying)" in log.getvalue()
    assert bounded("GET", f"{emulator.url}/inference/v1/regions/fr-par/deployments").status_code < 500
    log.truncate(0)
    lines.tick()
    assert "still creating" in log.getvalue() and "no answer" not in log.getvalue()
