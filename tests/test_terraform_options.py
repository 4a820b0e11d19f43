"""Terraform's single-dash long options are aliases of infermod's (`-auto-approve`,
`-target=ADDR`, `-out=FILE`, `-raw`, `-json`), and click's own short options still work."""

from __future__ import annotations

import json

import click

from infermod.cli import cli as group
from infermod.cli import terraform_spellings
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


def command(name: str) -> click.Command:
    found = group.get_command(click.Context(group), name)
    assert found is not None
    return found


def test_click_s_own_options_and_values_are_left_alone():
    plan, apply, output = command("plan"), command("apply"), command("output")
    assert terraform_spellings(plan, ["-f", "-out=x", "-fconf.yaml", "-h"]) == [
        "--file",  # with its value: by its long name (click would look `-f` up as a long option)
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
    # without its value a short option stays as written, for click's message to name it so
    assert terraform_spellings(plan, ["--detailed-exitcode", "-f"]) == ["--detailed-exitcode", "-f"]


def test_a_short_option_is_named_as_written_in_click_s_messages(cli, tmp_path):
    result = cli("validate", "-f")
    assert result.code == 1 and "Option '-f' requires an argument." in result.err, result.err
    path = write(tmp_path / "conf.yaml", stack_config("a"))
    assert cli("validate", "-f", path).code == 0


def test_a_mistyped_single_dash_option_gets_click_s_suggestion(cli):
    result = cli("apply", "-auto-aprove")
    assert result.code == 1 and "No such option '--auto-aprove'. Did you mean '--auto-approve'?" in result.err
