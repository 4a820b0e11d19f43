"""`--timeout` bounds the whole run, reads included, against servers that never finish answering.

Each server listens on 127.0.0.1 port 0: a blackhole accepts connections and never answers;
a trickle answers a byte every 0.2 s and never ends (so no socket read ever times out by itself).
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tests.conftest import write
from tests.helpers import stack_config

CONFIG = stack_config("chat", stack="slow")


def _blackhole(conn: socket.socket, stop: threading.Event) -> None:
    stop.wait()


def _trickle(conn: socket.socket, stop: threading.Event) -> None:
    conn.recv(65536)
    answer = (
        b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9999\r\n\r\n{"deployments": ['
    )
    # a byte at once, then one every 0.2 s and never an end (JSON allows the spaces): each
    # socket read gets a byte well within its timeout, so only the call's limit can end it
    for byte in itertools.chain(answer, itertools.repeat(ord(" "))):
        try:
            conn.sendall(bytes([byte]))
        except OSError:
            return
        if stop.wait(0.2):
            return


@contextmanager
def slow_server(serve: Callable[[socket.socket, threading.Event], None]) -> Iterator[str]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    stop = threading.Event()
    conns: list[socket.socket] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            conns.append(conn)
            threading.Thread(target=serve, args=(conn, stop), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        for conn in conns:
            conn.close()
        listener.close()


def run_cli(tmp_path: object, url: str, *args: str) -> tuple[int, str, float]:
    env = {
        **os.environ,
        "SCW_ACCESS_KEY": "SCWTESTACCESSKEY0000",
        "SCW_SECRET_KEY": "9f8e7d6c-5b4a-4321-8765-0123456789ab",
        "SCW_API_URL": url,
        "SCW_DEFAULT_PROJECT_ID": "11111111-1111-4111-8111-111111111111",
    }
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "infermod", *args],
        cwd=str(tmp_path),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode, proc.stdout + proc.stderr, time.monotonic() - started


def test_plan_against_a_blackhole_ends_within_the_timeout(tmp_path):
    write(tmp_path / "infermod.yaml", CONFIG)
    with slow_server(_blackhole) as url:
        code, text, took = run_cli(tmp_path, url, "plan", "--timeout", "1s")
    assert code == 1, text
    assert took < 1 + 10, took
    assert "time limit (1s, --timeout) passed" in text and "cannot list" in text, text
    assert "Traceback" not in text and "internal error" not in text


def test_apply_against_a_trickling_server_ends_within_the_timeout(tmp_path):
    write(tmp_path / "infermod.yaml", CONFIG)
    with slow_server(_trickle) as url:
        code, text, took = run_cli(tmp_path, url, "apply", "--auto-approve", "--timeout", "1s")
    assert code == 1, text
    assert took < 1 + 10, took
    assert "time limit (1s, --timeout) passed" in text, text
    assert "Traceback" not in text and "internal error" not in text


def test_check_models_against_a_blackholed_hub_ends_within_the_timeout(tmp_path, monkeypatch):
    """Hub reads share the command's one deadline: eight models, each of whose reads would
    wait 8 s for an answer, end with the 2 s --timeout and say why."""
    from tests.conftest import start_emulator

    models = "".join(f"  m{i}: {{source: acme/bot-{i}, type: chat}}\n" for i in range(8))
    deployments = "".join(
        f"  d{i}:\n    model: m{i}\n    node_type: L40S\n    endpoints: [{{public: true}}]\n"
        for i in range(8)
    )
    write(tmp_path / "infermod.yaml", f"version: 1\nstack: hub\nmodels:\n{models}deployments:\n{deployments}")
    running, server = start_emulator()
    try:
        with slow_server(_blackhole) as hub:
            monkeypatch.setenv("HF_ENDPOINT", hub)
            for command in (("plan",), ("apply", "--auto-approve")):
                code, text, took = run_cli(
                    tmp_path, running.url, *command, "--check-models", "--timeout", "2s"
                )
                assert code == 1, text
                assert took < 2 + 5, (command, took)
                assert "the time limit (2s, --timeout) passed before acme/bot-" in text, text
                assert "Traceback" not in text and "internal error" not in text
    finally:
        server.shutdown()
        server.server_close()
