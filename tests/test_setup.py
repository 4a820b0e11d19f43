"""The README's set-up is what CI runs, and the installed command completes in a shell."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_exactly_the_readme_setup_commands():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Set-up") : readme.index("### Installing")]
    commands = re.search(r"```sh\n(.*?)```", section, re.S)
    assert commands is not None
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and line[0] not in "#"]
    readme_lines = commands.group(1).strip().splitlines()
    assert (
        readme_lines[0]
        == "python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && scripts/install-test-tools.sh"
    )
    assert readme_lines[-1].endswith("&& .venv/bin/python -m pytest") and len(readme_lines) == 2
    assert [line for line in ci if line in readme_lines] == readme_lines


def test_shell_completion_is_clicks():
    result = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "infermod")],
        env={
            **os.environ,
            "_INFERMOD_COMPLETE": "bash_complete",
            "COMP_WORDS": "infermod ap",
            "COMP_CWORD": "1",
        },
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0 and "plain,apply" in result.stdout.splitlines()
