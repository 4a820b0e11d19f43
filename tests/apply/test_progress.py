"""Apply progress: live lines on an 80-column terminal (a real pty), sparse lines in CI logs."""

from __future__ import annotations

import fcntl
import io
import os
import re
import select
import struct
import subprocess
import sys
import termios
from collections import Counter

import pyte

from infermod.apply.progress import Flight, Progress, fit, live_lines
from tests.conftest import ACCESS_KEY, PROJECT, SECRET_KEY, start_emulator, write
from tests.helpers import many

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (deployment\.d\d): ")
SGR = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_in_pty(args: list[str], env: dict[str, str], cwd: str, columns: int = 80, rows: int = 24) -> bytes:
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env)
    os.close(slave)
    data = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                raise AssertionError("no output for 60 s:\n" + data.decode(errors="replace"))
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            data += chunk
    finally:
        os.close(master)
        proc.wait(timeout=60)
    assert proc.returncode == 0, data.decode(errors="replace")
    return data


def test_live_progress_in_an_80_column_terminal(tmp_path):
    running, server = start_emulator(ready_after=2)
    try:
        write(tmp_path / "infermod.yaml", many(4))
        env = {
            **os.environ,
            "SCW_ACCESS_KEY": ACCESS_KEY,
            "SCW_SECRET_KEY": SECRET_KEY,
            "SCW_API_URL": running.url,
            "SCW_DEFAULT_PROJECT_ID": PROJECT,
            "TERM": "xterm-256color",
        }
        env.pop("NO_COLOR", None)
        data = run_in_pty([sys.executable, "-m", "infermod", "apply", "--auto-approve"], env, str(tmp_path))
    finally:
        server.shutdown()
        server.server_close()
    text = data.decode()
    # Live lines were drawn and redrawn in place (cursor up), with a ticking elapsed time...
    assert "\x1b[4A" in text and re.search(r"deployment\.d\d: creating - deploying \[\ds\]", text)
    # ... and every line written after an erase-line fits in 79 columns, so none wraps.
    for line in re.findall(r"\x1b\[K(.*?)\r?\n", text):
        assert len(SGR.sub("", line)) < 80, line
    screen = pyte.Screen(80, 500)
    pyte.ByteStream(screen).feed(data)
    rows = [row.rstrip() for row in screen.display]
    plan_end = next(i for i, row in enumerate(rows) if row.startswith("Plan: 4 to add"))
    summary = next(i for i, row in enumerate(rows) if row.startswith("Apply complete!"))
    execution = rows[plan_end + 1 : summary]
    assert len(execution) <= 20, "\n".join(execution)
    finals = [row for row in execution if re.fullmatch(r"deployment\.d\d: created after \ds", row)]
    assert len(finals) == 4, "\n".join(execution)
    assert not [row for row in execution if "[" in row and "]" in row and "ok " not in row]  # no live residue
    assert "\x1b[32m" in text  # colour on a terminal without NO_COLOR


def test_ci_log_has_few_lines_per_deployment(cli, tmp_path, monkeypatch):
    running, server = start_emulator(ready_after=1.5)
    try:
        monkeypatch.setenv("SCW_ACCESS_KEY", ACCESS_KEY)
        monkeypatch.setenv("SCW_SECRET_KEY", SECRET_KEY)
        monkeypatch.setenv("SCW_API_URL", running.url)
        monkeypatch.setenv("SCW_DEFAULT_PROJECT_ID", PROJECT)
        write(tmp_path / "infermod.yaml", many(4))
        result = cli("apply", "--auto-approve")
    finally:
        server.shutdown()
        server.server_close()
    assert result.code == 0, result.err
    lines = [m.group(1) for m in map(STAMP.match, result.out.splitlines()) if m]
    per_deployment = Counter(lines)
    assert set(per_deployment) == {f"deployment.d{i}" for i in range(4)}
    assert all(2 <= n <= 4 for n in per_deployment.values()), result.out
    assert "\x1b[" not in result.out  # no terminal: no control sequences


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_ci_heartbeat_is_at_most_every_30_seconds():
    clock, stream = Clock(), io.StringIO()
    progress = Progress(stream, live=False, clock=clock)
    progress.start("deployment.a", "creating")
    for second in range(1, 200):  # a poller reporting every second, a ticker every second
        clock.now = float(second)
        progress.status("deployment.a", "creating" if second < 100 else "deploying")
        progress.tick()
    clock.now = 200.0
    progress.status("deployment.a", "ready")
    progress.done("deployment.a", "created")
    lines = stream.getvalue().splitlines()
    texts = [line.split(" ", 1)[1] for line in lines]
    assert texts[0] == "deployment.a: creating..." and texts[-1] == "deployment.a: created after 3m20s"
    assert "deployment.a: deploying (1m40s)" in texts
    beats = [t for t in texts if "still" in t]
    assert beats[:3] == [
        "deployment.a: still creating (30s)",
        "deployment.a: still creating (1m00s)",
        "deployment.a: still creating (1m30s)",
    ]
    assert "deployment.a: still deploying (2m10s)" in beats  # 30 s after the status change
    assert len(lines) == 2 + 1 + len(beats) and len(beats) <= 200 // 30


def test_live_lines_fit_the_terminal():
    flights = {
        f"deployment.{'x' * 70}{i}": Flight(
            "replacing (create, then destroy)", "deploying", float(i), 0.0, ""
        )
        for i in range(30)
    }
    lines = live_lines(flights, 100.0, 80, 22)
    assert len(lines) == 22 and lines[-1] == "... and 9 more in flight"
    assert all(len(line) <= 79 for line in lines) and lines[0].endswith(" [1m40s]")
    assert fit("short", 79) == "short" and len(fit("y" * 200, 5)) == 5
    settled = {"deployment.u": Flight("updating", "ready", 0.0, 0.0, "")}  # before its update starts
    assert live_lines(settled, 3.0, 80, 10) == ["deployment.u: updating [3s]"]


def test_no_color_and_dumb_terminals_get_plain_lines(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert Progress(Tty()).live
    monkeypatch.setenv("TERM", "dumb")
    assert not Progress(Tty()).live
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("INFERMOD_LOG", "debug")  # the debug log shares the terminal: no redraws
    assert not Progress(Tty()).live
    monkeypatch.setenv("INFERMOD_LOG_PATH", "http.log")
    assert Progress(Tty()).live
    monkeypatch.delenv("INFERMOD_LOG_PATH")
    monkeypatch.setenv("INFERMOD_LOG", "off")
    assert Progress(Tty()).live


def test_a_40_column_terminal_keeps_each_live_line_s_status(tmp_path):
    """The live lines are cut to 39 columns, and what they keep is the status (deploying) and
    the elapsed time: the verb goes first, then the start of the address."""
    running, server = start_emulator(ready_after=2)
    try:
        write(tmp_path / "infermod.yaml", many(2).replace("  d0:", "  support-bot-europe-west:"))
        env = {
            **os.environ,
            "SCW_ACCESS_KEY": ACCESS_KEY,
            "SCW_SECRET_KEY": SECRET_KEY,
            "SCW_API_URL": running.url,
            "SCW_DEFAULT_PROJECT_ID": PROJECT,
            "TERM": "xterm-256color",
        }
        data = run_in_pty(
            [sys.executable, "-m", "infermod", "apply", "--auto-approve"], env, str(tmp_path), columns=40
        )
    finally:
        server.shutdown()
        server.server_close()
    live = [SGR.sub("", line) for line in re.findall(r"\x1b\[K(.*?)\r?\n", data.decode()) if " [" in line]
    assert live and all(len(line) < 40 for line in live), live
    assert any(re.fullmatch(r"\.\.\.[a-z-]*west: deploying \[\ds\]", line) for line in live), live
    # 40 columns: `creating - deploying` does not fit, the status stays
    assert any(re.fullmatch(r"deployment\.d1: deploying \[\ds\]", line) for line in live), live


def test_live_line_gives_up_the_verb_then_the_address_start_never_the_status():
    from infermod.apply.progress import live_line

    assert (
        live_line("deployment.bot", "creating", "deploying", "5s", 79)
        == "deployment.bot: creating - deploying [5s]"
    )
    assert live_line("deployment.bot", "creating", "deploying", "5s", 30) == "deployment.bot: deploying [5s]"
    assert (
        live_line("deployment.support-bot", "creating", "deploying", "5s", 30)
        == "...support-bot: deploying [5s]"
    )
    assert live_line("deployment.bot", "creating", "", "5s", 20) == "deployment.bot: creating [5s]"[:0] + fit(
        "deployment.bot: creating [5s]", 20
    )
