"""Exit codes as Terraform documents them: 0 ok, 1 any error (usage errors too), 2 only for
"changes present" under `plan --detailed-exitcode`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import write
from tests.helpers import stack_config

CONFIG = stack_config("bot", stack="codes")


@pytest.mark.parametrize(
    "argv",
    [
        ["plan", "--bogus"],
        ["plan", "--detailed-exitcode", "--format", "yaml"],
        ["show"],
        ["import", "deployment.x"],
        ["apply", "--parallelism", "0"],
        ["nonsense-command"],
        [],
    ],
)
def test_usage_errors_exit_1_never_2(cli, argv):
    result = cli(*argv)
    assert result.code == 1, (argv, result)


def test_missing_files_exit_1(cli):
    assert cli("plan", "--detailed-exitcode", "-f", "missing.yaml").code == 1
    assert cli("show", "missing-plan.json").code == 1


def test_detailed_exitcode_is_2_only_for_changes(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", CONFIG)
    assert cli("plan").code == 0
    assert cli("plan", "--detailed-exitcode").code == 2
    assert cli("apply", "--auto-approve").code == 0
    assert cli("plan", "--detailed-exitcode").code == 0


def test_the_real_process_exits_1_on_a_usage_error_and_documents_the_codes():
    bad = subprocess.run(
        [sys.executable, "-m", "infermod", "plan", "--no-such-option"], capture_output=True, text=True
    )
    assert bad.returncode == 1 and "No such option" in bad.stderr
    helped = subprocess.run([sys.executable, "-m", "infermod", "--help"], capture_output=True, text=True)
    assert helped.returncode == 0
    assert "1  any error, including usage errors" in helped.stdout
    assert "2  only with `plan --detailed-exitcode`" in helped.stdout
