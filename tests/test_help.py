"""Help texts: whole (never cut with `...`), within 80 columns off a terminal, and every
option of every command explained."""

from __future__ import annotations

import click
import pytest

from infermod.cli import cli as group

COMMANDS = group.list_commands(click.Context(group))


def command(name: str) -> click.Command:
    found = group.get_command(click.Context(group), name)
    assert found is not None
    return found


def test_the_command_list_gives_each_whole_description_within_80_columns(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    result = cli("--help")
    assert result.code == 0
    listed = result.out.split("Commands:\n", 1)[1]
    assert "..." not in listed, listed
    assert all(len(line) <= 80 for line in result.out.splitlines()), result.out
    for name in COMMANDS:
        short = command(name).get_short_help_str(limit=1_000)
        assert " ".join(short.split()) in " ".join(listed.split()), name


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_has_help_and_the_page_fits_80_columns(cli, monkeypatch, name):
    built = command(name)
    bare = [p.opts[0] for p in built.params if isinstance(p, click.Option) and not p.help]
    assert bare == [], f"{name}: options without help: {bare}"
    monkeypatch.setenv("COLUMNS", "80")
    result = cli(name, "--help")
    assert result.code == 0 and all(len(line) <= 80 for line in result.out.splitlines()), result.out


def test_a_plan_off_a_terminal_fits_80_columns(cli, scw_env, tmp_path, monkeypatch):
    """Off a terminal and without COLUMNS, the text views are 80 columns wide: the targeting
    warning and findings are wrapped (a plan's field lines are kept whole, as Terraform's)."""
    import re

    from tests.conftest import write
    from tests.helpers import stack_config

    monkeypatch.delenv("COLUMNS")
    path = write(tmp_path / "a-rather-long-directory-name" / "infermod.yaml", stack_config("a", "b"))
    result = cli("plan", "-f", path, "--target", "deployment.a", "--max-monthly-cost", "1")
    assert "Resource targeting is in effect" in result.out and "policy-" in result.out
    field = re.compile(r"^\s+[~+-] \S+\s+= ")
    # a single word longer than the line (this path) cannot be broken, and is not; nor is a
    # command quoted to be pasted (`infermod plan -f <this path>`), which stands on a line of its own
    quoted = re.compile(r"`[^`]+`[.,;:)]*")
    long = [
        line
        for line in result.out.splitlines()
        if len(line) > 80
        and not field.match(line)
        and " " in line.strip()
        and not quoted.fullmatch(line.strip())
    ]
    assert long == [], long


def test_columns_zero_or_not_a_number_is_taken_as_unset(cli, scw_env, tmp_path, monkeypatch):
    """COLUMNS=0 (some CI runners export it), a negative or no number is no width: the views fall
    back as without COLUMNS (80 off a terminal), not to the 20-column floor."""
    from tests.conftest import write
    from tests.helpers import stack_config

    path = write(tmp_path / "infermod.yaml", stack_config("a", "b"))
    monkeypatch.delenv("COLUMNS")
    unset = cli("plan", "-f", path, "--target", "deployment.a", "--max-monthly-cost", "1")
    for value in ("0", "-3", "", "wide"):
        monkeypatch.setenv("COLUMNS", value)
        shown = cli("plan", "-f", path, "--target", "deployment.a", "--max-monthly-cost", "1")
        assert shown.out == unset.out, value
    monkeypatch.setenv("COLUMNS", "20")  # a real width still counts
    assert cli("plan", "-f", path, "--target", "deployment.a", "--max-monthly-cost", "1").out != unset.out
