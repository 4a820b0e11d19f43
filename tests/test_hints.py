"""Hints name the options of the command that prints them, and only while it runs."""

from __future__ import annotations

from pathlib import Path

from infermod import hints
from tests.conftest import write

ROOT = Path(__file__).resolve().parent.parent


def test_a_command_run_in_process_leaves_no_options_behind(cli, tmp_path):
    """An embedding program (or a test) that runs `plan --sandbox -f FILE` and then renders a
    view of its own must not see that run's `--sandbox -f FILE` in its hints."""
    config = write(tmp_path / "c.yaml", (ROOT / "examples" / "quickstart.yaml").read_text())
    assert hints.command("apply") == "infermod apply"
    result = cli("validate", "--sandbox", "-f", config)
    assert result.code == 0, result.err
    assert hints.command("apply") == "infermod apply"


def test_while_a_command_runs_its_hints_name_its_options():
    with hints.recorded(["a.yaml", "b c.yaml"], "prod", sandbox=True):
        assert hints.command("plan") == "infermod plan --sandbox --profile prod -f a.yaml -f 'b c.yaml'"
        assert hints.command("show", files=False) == "infermod show --sandbox --profile prod"
    assert hints.command("plan") == "infermod plan"
