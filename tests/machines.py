"""Simulated machines for race and crash tests: each has its own working copy, HOME and state
directory (so no shared local lock), and runs the real CLI as a subprocess against one API.

A run can be started at a pseudo-terminal (for the prompt), read until a line appears, and
killed with SIGKILL at that point, as a crash would."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import ACCESS_KEY, PROJECT, SECRET_KEY, write


def default_signals() -> None:
    """In the child before exec: SIGINT handled and unblocked, as at a terminal. A child
    inherits an ignored or blocked signal, and Python then installs no Ctrl-C handler: the
    runner's state (a worker process, a CI shell) must not decide whether Ctrl-C works."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class Run:
    """One infermod process; its stdout and stderr are read together."""

    def __init__(self, proc: subprocess.Popen[bytes], tty: int | None) -> None:
        self.proc, self.tty = proc, tty
        self.text = ""

    def read_until(self, needle: str, timeout: float = 60.0) -> str:
        """Read output until `needle` is in it; the output so far."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        end = time.monotonic() + timeout
        while needle not in self.text:
            left = end - time.monotonic()
            assert left > 0, f"{needle!r} never came; output so far:\n{self.text}"
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                assert chunk, f"ended before {needle!r}; output:\n{self.text}"
                self.text += chunk.decode("utf-8", "replace")
        return self.text

    def answer(self, line: str) -> None:
        assert self.tty is not None
        os.write(self.tty, line.encode() + b"\n")

    def kill(self) -> None:
        """SIGKILL: no handler runs, no report, no clean-up, as a crash or a lost machine."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._close()

    def interrupt(self) -> None:
        self.proc.send_signal(signal.SIGINT)

    def finish(self, timeout: float = 90.0) -> tuple[int, str]:
        assert self.proc.stdout is not None
        rest, _ = self.proc.communicate(timeout=timeout)
        self.text += rest.decode("utf-8", "replace")
        self._close()
        return self.proc.returncode, self.text

    def _close(self) -> None:
        if self.tty is not None:
            os.close(self.tty)
            self.tty = None


class Machine:
    def __init__(self, root: Path, name: str, url: str, config: str) -> None:
        self.work = root / name
        write(self.work / "infermod.yaml", config)
        self.env = {
            **os.environ,
            "HOME": str(self.work / "home"),
            "XDG_STATE_HOME": str(self.work / "home" / "state"),
            "SCW_ACCESS_KEY": ACCESS_KEY,
            "SCW_SECRET_KEY": SECRET_KEY,
            "SCW_API_URL": url,
            "SCW_DEFAULT_PROJECT_ID": PROJECT,
            "SCW_DEFAULT_REGION": "fr-par",
            "INFERMOD_POLL_INTERVAL": "0.1",
        }

    def configure(self, config: str) -> None:
        write(self.work / "infermod.yaml", config)

    def start(self, *args: str, tty: bool = False) -> Run:
        leader = follower = None
        if tty:
            leader, follower = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "infermod", *args],
            cwd=self.work,
            env=self.env,
            stdin=follower if follower is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            preexec_fn=default_signals,
        )
        if follower is not None:
            os.close(follower)
        return Run(proc, leader)

    def run(self, *args: str) -> tuple[int, str]:
        return self.start(*args).finish()


class Checkpoint:
    """A proxy in front of the API for one machine: `hook(method, path)` runs before each
    request is forwarded and may block it (to place a crash exactly) or return False to
    answer 503 without forwarding."""

    def __init__(self, upstream: str, hook: Callable[[str, str], bool]) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        import requests

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: object) -> None:
                pass

            def do_GET(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                if not hook(self.command, self.path):
                    return self._send(503, b'{"type": "unknown", "message": "service unavailable"}')
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")
                }
                answer = requests.request(
                    self.command, upstream + self.path, data=body, headers=headers, timeout=30
                )
                self._send(answer.status_code, answer.content)

            do_POST = do_PATCH = do_DELETE = do_GET

            def _send(self, status: int, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client was killed
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
