"""--sandbox: a local emulator that infermod starts and stops itself, state in .infermod/sandbox/,
and a local Hugging Face Hub serving the example custom model (for --check-models)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SANDBOX_DIR = os.path.join(".infermod", "sandbox")
READY_AFTER = 3.0
BANNER = "[sandbox] local emulator, state in .infermod/sandbox/ — nothing is created on Scaleway"

_hub_url: str | None = None


def hub_url() -> str | None:
    """The local Hub's URL while a sandbox runs: model checks read it instead of HF_ENDPOINT."""
    return _hub_url


@contextmanager
def running_sandbox() -> Iterator[str]:
    global _hub_url
    from infermod import output
    from infermod.emulator.server import Settings, make_server, url_of
    from infermod.localhub import Hub
    from infermod.sandbox_hub import sandbox_repos

    os.makedirs(SANDBOX_DIR, exist_ok=True)
    ready_after = float(os.environ.get("INFERMOD_SANDBOX_READY_AFTER", READY_AFTER))
    server, _ = make_server("127.0.0.1", 0, Settings(ready_after=ready_after, state_dir=SANDBOX_DIR))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    hub = Hub(sandbox_repos())
    _hub_url = hub.url
    output.out(output.style(BANNER, "cyan", err=True), err=True)
    try:
        yield url_of(server)
    finally:
        _hub_url = None
        hub.close()
        server.shutdown()
        server.server_close()
