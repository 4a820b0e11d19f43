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
HUB_BANNER = "[sandbox] local Hugging Face Hub serving acme/support-bot-8b — nothing is read from the network"

_hub_url: str | None = None


def hub_url() -> str | None:
    """The local Hub's URL while a sandbox runs: model checks read it instead of HF_ENDPOINT."""
    return _hub_url


@contextmanager
def running_hub() -> Iterator[str]:
    """Only the local Hub (check-model --sandbox); restores the Hub read before it on exit."""
    global _hub_url
    from infermod.localhub import Hub
    from infermod.sandbox_hub import sandbox_repos

    hub = Hub(sandbox_repos())
    saved, _hub_url = _hub_url, hub.url
    try:
        yield hub.url
    finally:
        _hub_url = saved
        hub.close()


@contextmanager
def running_sandbox() -> Iterator[str]:
    from infermod import output
    from infermod.emulator.server import Settings, make_server, url_of

    os.makedirs(SANDBOX_DIR, exist_ok=True)
    ready_after = float(os.environ.get("INFERMOD_SANDBOX_READY_AFTER", READY_AFTER))
    server, _ = make_server("127.0.0.1", 0, Settings(ready_after=ready_after, state_dir=SANDBOX_DIR))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    output.out(output.style(BANNER, "cyan", err=True), err=True)
    try:
        with running_hub():
            yield url_of(server)
    finally:
        server.shutdown()
        server.server_close()
