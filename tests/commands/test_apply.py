"""`apply` and `destroy` ask before changing anything: only `yes`, typed at a terminal, goes on;
a saved plan's --target is its own."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from tests.conftest import write
from tests.helpers import create, many, owned


def at_a_terminal(tmp_path, answer: str, *args: str) -> tuple[int, str]:
    """The real CLI with a pseudo-terminal as its stdin, answering the prompt with `answer`."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "infermod", *args],
            cwd=tmp_path,
            stdin=follower,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        os.write(leader, answer.encode() + b"\n")
        out, _ = proc.communicate(timeout=60)
        return proc.returncode, out
    finally:
        os.close(leader)
        os.close(follower)


def test_without_a_terminal_nothing_is_asked_and_nothing_changed(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", many(1))
    result = cli("apply")
    assert (
        result.code == 1
        and "refusing to ask for confirmation without a terminal: pass --auto-approve" in result.err
    )
    create(sdk, "d0", owned("shop", "d0"))
    assert cli("destroy").code == 1
    assert [d.name for d in sdk.list_deployments_all()] == ["d0"]


def test_only_yes_at_the_prompt_goes_on(scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", many(1))
    code, out = at_a_terminal(tmp_path, "y", "apply")
    assert code == 1 and "Do you want to perform these actions? Only 'yes' will be accepted" in out
    assert "Cancelled: nothing was changed." in out and list(sdk.list_deployments_all()) == []
    code, out = at_a_terminal(tmp_path, "yes", "apply")
    assert code == 0, out
    assert [d.name for d in sdk.list_deployments_all()] == ["d0"]


def test_a_saved_plan_keeps_its_own_targets(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", many(2))
    assert cli("plan", "--out", "plan.json").code == 0
    result = cli("apply", "plan.json", "--target", "deployment.d0")
    assert result.code == 1 and "--target and --replace are recorded in the saved plan" in result.err
