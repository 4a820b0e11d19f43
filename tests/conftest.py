"""Shared fixtures: a real emulator on a free loopback port, a real SDK, the real CLI.

Tests never reach $HOME or the network: HOME and the Scaleway config path point into a
temporary directory, and every URL is 127.0.0.1 with a port the OS picked.
"""

from __future__ import annotations

import io
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import requests

from infermod import output
from infermod.cli import main
from infermod.emulator.server import Emulator, Settings, make_server, url_of

PROJECT = "11111111-1111-4111-8111-111111111111"
OTHER_PROJECT = "22222222-2222-4222-8222-222222222222"
ACCESS_KEY = "SCWTESTACCESSKEY0000"
CATALOG_OVERLAY = Path(__file__).resolve().parent / "data" / "catalog-overlay.json"
SECRET_KEY = "9f8e7d6c-5b4a-4321-8765-0123456789ab"


class Running(NamedTuple):
    url: str
    app: Emulator

    def stats(self) -> dict[str, Any]:
        return requests.get(f"{self.url}/emulator/v1/stats", timeout=5).json()  # type: ignore[no-any-return]

    def reset_stats(self) -> None:
        self.app.stats.clear()


def start_emulator(**settings: Any) -> tuple[Running, Any]:
    server, app = make_server("127.0.0.1", 0, Settings(**{"ready_after": 0.3, **settings}))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return Running(url_of(server), app), server


@pytest.fixture
def emulator() -> Iterator[Running]:
    running, server = start_emulator()
    yield running
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def isolated(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    # `.venv/bin/python -m pytest` runs without an activated venv: tools the tests spawn
    # (gitlab-ci-local's jobs call `infermod`) must still find this venv's scripts first.
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    monkeypatch.setenv("SCW_CONFIG_PATH", str(tmp_path / "home" / "no-scw-config.yaml"))
    monkeypatch.setenv("INFERMOD_POLL_INTERVAL", "0.1")  # the test emulator settles in 0.3 s
    # Text views wrap at COLUMNS off a terminal (80 when unset): tests of what a view says read
    # whole lines; the tests of width set their own (tests/render/test_text.py, test_help.py).
    monkeypatch.setenv("COLUMNS", "1000")
    # the recorded catalog plus the tests' fictional cases (a Preview model, stock, regions...)
    monkeypatch.setenv("INFERMOD_CATALOG_OVERLAY", str(CATALOG_OVERLAY))
    for key in list(os.environ):
        if key.startswith(("SCW_", "CI_", "GITLAB_", "HF_")) and key != "SCW_CONFIG_PATH":
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    output.set_color(False)
    output._secrets.clear()
    yield
    output.set_color(None)


def point_scw_env_at(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCW_ACCESS_KEY", ACCESS_KEY)
    monkeypatch.setenv("SCW_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("SCW_API_URL", url)
    monkeypatch.setenv("SCW_DEFAULT_PROJECT_ID", PROJECT)
    monkeypatch.setenv("SCW_DEFAULT_REGION", "fr-par")


@pytest.fixture
def scw_env(emulator: Running, monkeypatch: pytest.MonkeyPatch) -> Running:
    point_scw_env_at(emulator.url, monkeypatch)
    return emulator


@pytest.fixture
def scw_env_ready_after(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[float], tuple[Running, Any]]]:
    """`scw_env` and `sdk` for an emulator of another pace: `scw_env_ready_after(4)` starts
    one whose creations take 4 s (a deletion 0.4 of it), points the SCW_* environment at it
    and gives it with a real SDK; it is shut down after the test."""
    servers: list[Any] = []

    def start(ready_after: float) -> tuple[Running, Any]:
        from scaleway.inference.v1 import InferenceV1API

        running, server = start_emulator(ready_after=ready_after)
        servers.append(server)
        point_scw_env_at(running.url, monkeypatch)
        return running, InferenceV1API(sdk_client(running.url))

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def sdk_client(url: str, secret_key: str | None = SECRET_KEY) -> Any:
    """A real SDK client pointed at an emulator."""
    from scaleway import Client

    return Client(
        access_key=ACCESS_KEY,
        secret_key=secret_key,
        api_url=url,
        default_project_id=PROJECT,
        default_region="fr-par",
    )


@pytest.fixture
def sdk(emulator: Running) -> Any:
    from scaleway.inference.v1 import InferenceV1API

    return InferenceV1API(sdk_client(emulator.url))


class Result(NamedTuple):
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    def run(*args: str) -> Result:
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def write(path: Any, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


MORE_REGIONS = ("fr-par", "nl-ams", "pl-waw")


@pytest.fixture
def more_regions(monkeypatch: pytest.MonkeyPatch) -> tuple[str, ...]:
    """Regions beyond fr-par, opened as a user would (INFERMOD_REGIONS): infermod reads them,
    the schema accepts them and the test emulators serve them (a copy of fr-par's catalog)."""
    monkeypatch.setenv("INFERMOD_REGIONS", ",".join(MORE_REGIONS))
    return MORE_REGIONS


class TypedAnswers(io.StringIO):
    """A terminal's stdin with answers typed in advance, for the questions commands ask."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def answer(monkeypatch: pytest.MonkeyPatch) -> Any:
    """`answer("yes")`: the next questions read these lines from a terminal."""

    def typed(*lines: str) -> None:
        monkeypatch.setattr("sys.stdin", TypedAnswers("".join(f"{line}\n" for line in lines)))

    return typed
