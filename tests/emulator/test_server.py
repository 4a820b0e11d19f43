"""Hostile HTTP requests against the emulator's server: each gets a Scaleway-shaped JSON error
at once, and the server keeps serving."""

from __future__ import annotations

import http.client
import json
import socket
import time
from urllib.parse import urlparse

import pytest
import requests

from tests.conftest import SECRET_KEY

PATH = "/inference/v1/regions/fr-par/deployments"


def raw_request(url: str, method: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    """http.client sends the headers exactly as given, content-length included."""
    parts = urlparse(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.putrequest(method, PATH, skip_accept_encoding=True)
        for key, value in {"x-auth-token": SECRET_KEY, **headers}.items():
            conn.putheader(key, value)
        conn.endheaders(body)
        response = conn.getresponse()
        assert response.getheader("content-type") == "application/json"
        return response.status, json.loads(response.read())
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("method", "body", "headers", "status"),
    [
        ("POST", b"[" * 100_000, {"content-length": "100000"}, 400),  # was a RecursionError
        ("POST", b"{}", {"content-length": "99999999999"}, 413),  # was a MemoryError
        ("POST", b"{}", {"content-length": "-1"}, 400),  # read to EOF: waited for the client
        ("POST", b"{}", {"content-length": "two"}, 400),
        ("PUT", b"{}", {"content-length": "2"}, 404),  # was an HTML page
    ],
)
def test_hostile_requests_get_a_json_error_and_the_server_goes_on(emulator, method, body, headers, status):
    code, answer = raw_request(emulator.url, method, body, headers)
    assert code == status
    assert isinstance(answer.get("type"), str) and isinstance(answer.get("message"), str)
    listed = requests.get(emulator.url + PATH, headers={"x-auth-token": SECRET_KEY}, timeout=5)
    assert listed.status_code == 200


@pytest.mark.parametrize(
    "fields",
    [
        {"tags": 5},
        {"endpoints": "x"},
        {"endpoints": [5]},
        {"endpoints": [{"public_network": 3}]},
        {"name": ["a"]},
    ],
)
def test_wrongly_typed_fields_are_invalid_arguments(emulator, fields):
    """Each of these once raised inside the handler: the connection closed with no answer."""
    model = next(
        m["id"]
        for m in requests.get(
            emulator.url + "/inference/v1/regions/fr-par/models?page_size=100",
            headers={"x-auth-token": SECRET_KEY},
            timeout=5,
        ).json()["models"]
        if m["name"].startswith("baai/")
    )
    body = {
        "name": "typed",
        "project_id": "11111111-1111-4111-8111-111111111111",
        "model_id": model,
        "node_type_name": "L4",
        "endpoints": [{"public_network": {}}],
        **fields,
    }
    data = json.dumps(body).encode()
    code, answer = raw_request(emulator.url, "POST", data, {"content-length": str(len(data))})
    assert code == 400 and answer["type"] == "invalid_arguments", answer


@pytest.mark.parametrize(
    "sent",
    [
        f"POST {PATH} HTTP/1.1\r\nhost: x\r\nx-auth-token: {SECRET_KEY}\r\ncontent-length: 100\r\n\r\n{{".encode(),
        b"GET /emulator/v1/stats HTT",  # a request line that never ends
    ],
)
def test_a_client_that_stops_sending_is_disconnected_after_the_read_timeout(sent):
    """Less body than content-length used to hold a handler thread forever."""
    from tests.conftest import start_emulator

    running, server = start_emulator(read_timeout=0.3)
    parts = urlparse(running.url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
            sock.sendall(sent)
            started = time.monotonic()
            assert sock.recv(1024) == b""  # closed by the server, no answer
            assert 0.2 < time.monotonic() - started < 5
        assert requests.get(f"{running.url}/emulator/v1/stats", timeout=5).status_code == 200
    finally:
        server.shutdown()
        server.server_close()


def test_a_client_killed_mid_request_leaves_no_traceback(emulator, capfd):
    """A killed infermod resets its connections: that is ordinary, not a server error."""
    import socket
    import struct
    import time as clock

    host, port = emulator.url.removeprefix("http://").split(":")
    conn = socket.create_connection((host, int(port)))
    conn.sendall(b"GET /inference/v1/regions/fr-par/deployments HTTP/1.1\r\nHost: x\r\n")  # unfinished
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    clock.sleep(0.2)
    conn.close()  # RST, as the kernel does for a killed process with unread data
    clock.sleep(0.3)
    assert "Traceback" not in capfd.readouterr().err
