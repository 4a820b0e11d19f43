"""The views issue 28 left unwrapped fit the width too, through the real CLI: `output`'s table,
apply's `Outputs:` lines and error messages. A URL, a path or an id is never broken (it must
stay copyable), and `output --raw` and `--json` are machine output: never wrapped."""

from __future__ import annotations

import fcntl
import json
import os
import select
import struct
import subprocess
import sys
import termios

from tests.conftest import write
from tests.helpers import TWO

PRIVATE = "44444444-4444-4444-8444-444444444444"


def fits(text: str, columns: int, whole: list[str]) -> None:
    """Every line fits `columns`, except one that is a single unbreakable word of `whole`."""
    for line in text.splitlines():
        if len(line) > columns:
            assert line.strip().strip('"') in whole or any(line.strip() == w for w in whole), line


def urls(emulator) -> list[str]:
    return [
        e["url"]
        for dep in emulator.app.store.list_deployments("fr-par")
        for e in dep["endpoints"]
        if e.get("url")
    ]


def test_the_output_table_becomes_one_block_a_deployment_when_too_wide(cli, scw_env, tmp_path, monkeypatch):
    write(tmp_path / "infermod.yaml", TWO)
    assert cli("apply", "--auto-approve").code == 0
    every = urls(scw_env)
    assert len(every) == 3
    wide = cli("output").out
    assert wide.splitlines()[0].split() == ["deployment", "region", "status", "model", "endpoints"]
    monkeypatch.setenv("COLUMNS", "80")
    narrow = cli("output").out
    assert max(len(line) for line in wide.splitlines()) > 80  # the table would not fit
    fits(narrow, 80, every)
    lines = narrow.splitlines()
    assert "chat: ready, fr-par, meta/llama-3.1-8b-instruct:fp8" in lines
    for url in every:  # each URL whole, on a line of its own
        assert f"  {url}" in lines
    # machine output is never wrapped, whatever the width
    monkeypatch.setenv("COLUMNS", "20")
    raw = cli("output", "chat.url", "--raw").out
    assert raw.rstrip("\n") in every and "\n" not in raw.rstrip("\n")
    body = json.loads(cli("output", "--json").out)
    assert set(body["deployments"]) == {"chat", "bot"}


def test_outputs_after_apply_keep_each_assignment_whole_and_move_the_comment(
    cli, scw_env, tmp_path, monkeypatch
):
    write(tmp_path / "infermod.yaml", TWO)
    monkeypatch.setenv("COLUMNS", "80")
    result = cli("apply", "--auto-approve")
    assert result.code == 0
    block = result.out.split("\nOutputs:\n\n", 1)[1].splitlines()
    private = next(line for line in block if line.startswith("bot.endpoints.1.url = "))
    assert private.endswith('"') and "#" not in private, private  # the assignment alone, whole
    assert block[block.index(private) + 1] == f"    # private network {PRIVATE}"
    assignments = [line for line in block if " = " in line]
    for line in assignments:  # each still what `infermod output KEY --raw` prints
        key, value = line.split(" = ", 1)
        assert cli("output", key, "--raw").out.strip() == json.loads(value)
    monkeypatch.setenv("COLUMNS", "1000")  # wide enough: the comment stays on its line
    again = cli("apply", "--auto-approve").out.split("\nOutputs:\n\n", 1)[1]
    assert f'"  # private network {PRIVATE}' in again


def test_an_error_wraps_at_the_width_and_keeps_a_path_whole(cli, tmp_path, monkeypatch):
    path = str(tmp_path / "a-rather-long-directory-name-for-plans" / "saved-plan-of-the-support-stack.json")
    monkeypatch.setenv("COLUMNS", "50")
    result = cli("show", path)
    assert result.code == 1
    lines = result.err.splitlines()
    assert lines[0].startswith("Error:") and len(lines) > 1
    assert any(line.strip() == f"{path}:" for line in lines), lines  # whole, copyable
    for line in lines:
        assert len(line) <= 50 or line.strip() == f"{path}:", line
    assert all(line.startswith("       ") for line in lines[1:]), lines  # under the text
    words = " ".join(line.strip() for line in lines)
    assert words == f"Error: {path}: cannot read plan file: No such file or directory"


def test_a_usage_error_wraps_too(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    result = cli("apply", "--auto-approve", "--parallelism", "0")
    assert result.code == 1
    assert max(len(line) for line in result.err.splitlines()) <= 40, result.err
    words = " ".join(line.strip() for line in result.err.splitlines() if line.strip())
    assert "Error: Invalid value for '--parallelism': 0 is not in the range 1<=x<=64." in words


def test_an_error_on_a_terminal_wraps_at_its_width(tmp_path):
    """On a 40-column pty (COLUMNS unset), an error fits the terminal's width."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["NO_COLOR"] = "1"
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 40, 0, 0))
    args = [sys.executable, "-m", "infermod", "show", "no-plan-here.json"]
    proc = subprocess.Popen(args, stdin=follower, stdout=follower, stderr=follower, cwd=tmp_path, env=env)
    os.close(follower)
    data = b""
    try:
        while select.select([leader], [], [], 60)[0]:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            data += chunk
    finally:
        os.close(leader)
        proc.wait(timeout=60)
    text = data.decode().replace("\r\n", "\n")
    assert proc.returncode == 1, text
    lines = text.strip().splitlines()
    assert len(lines) > 1 and max(len(line) for line in lines) <= 40, text
    assert " ".join(line.strip() for line in lines) == (
        "Error: no-plan-here.json: cannot read plan file: No such file or directory"
    )


def test_a_warning_wraps_as_errors_do(cli, scw_env, tmp_path, monkeypatch):
    write(tmp_path / "infermod.yaml", TWO)
    monkeypatch.setenv("INFERMOD_LOG", "loud")
    monkeypatch.setenv("COLUMNS", "40")
    result = cli("output")
    every = result.err.splitlines()
    assert every and every[0].startswith("Warning: "), result.err
    # the warning and its continuation lines (the debug log it turns on follows, unwrapped)
    lines = every[:1] + [line for line in every[1:] if line.startswith("         ")]
    assert len(lines) > 1 and max(len(line) for line in lines) <= 40, result.err
    assert " ".join(line.strip() for line in lines).startswith(
        "Warning: INFERMOD_LOG='loud' is not a level (trace, debug, info, warn, error, off); using debug"
    )
