"""Terraform's single-dash long options are aliases of infermod's (`-auto-approve`,
`-target=ADDR`, `-out=FILE`, `-raw`, `-json`), and click's own short options still work."""

from __future__ import annotations

import json

from infermod.cli import apply, output, plan, terraform_spellings
from tests.conftest import write
from tests.helpers import stack_config


def test_terraform_habits_work_as_written(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", stack_config("a", "b"))
    result = cli("plan", "-target=deployment.a", "-out=p.json")
    assert result.code == 0, result.err
    assert json.loads((tmp_path / "p.json").read_text())["targets"] == ["deployment.a"]
    result = cli("apply", "-auto-approve", "-target", "deployment.b", "-no-color")
    assert result.code == 0 and "1 added" in result.out, result.out + result.err
    url = cli("output", "b.url", "-raw").out
    assert url.startswith("https://") and cli("output", "-json", "b.url").out.strip() == json.dumps(
        url.strip()
    )


def test_click_s_own_options_and_values_are_left_alone():
    assert terraform_spellings(plan, ["-f", "-out=x", "-fconf.yaml", "-h"]) == [
        "-f",
        "-out=x",
        "-fconf.yaml",
        "-h",
    ]
    # an option's value that looks like an option is a value
    assert terraform_spellings(plan, ["--target", "-raw", "-detailed-exitcode"]) == [
        "--target",
        "-raw",
        "--detailed-exitcode",
    ]
    assert terraform_spellings(apply, ["-auto-approve", "--", "-auto-approve"]) == [
        "--auto-approve",
        "--",
        "-auto-approve",
    ]
    assert terraform_spellings(output, ["-raw", "-json", "k"]) == ["--raw", "--json", "k"]


def test_a_mistyped_single_dash_option_gets_click_s_suggestion(cli):
    result = cli("apply", "-auto-aprove")
    assert result.code == 1 and "No such option '--auto-aprove'. Did you mean '--auto-approve'?" in result.err
