"""Help texts: whole (never cut with `...`), within 80 columns off a terminal, and every
option of every command explained."""

from __future__ import annotations

import click
import pytest

from infermod.cli import cli as group

COMMANDS = sorted(group.commands)


def test_the_command_list_gives_each_whole_description_within_80_columns(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    result = cli("--help")
    assert result.code == 0
    listed = result.out.split("Commands:\n", 1)[1]
    assert "..." not in listed, listed
    assert all(len(line) <= 80 for line in result.out.splitlines()), result.out
    for name in COMMANDS:
        short = group.commands[name].get_short_help_str(limit=1_000)
        assert " ".join(short.split()) in " ".join(listed.split()), name


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_has_help_and_the_page_fits_80_columns(cli, monkeypatch, name):
    command = group.commands[name]
    bare = [p.opts[0] for p in command.params if isinstance(p, click.Option) and not p.help]
    assert bare == [], f"{name}: options without help: {bare}"
    monkeypatch.setenv("COLUMNS", "80")
    result = cli(name, "--help")
    assert result.code == 0 and all(len(line) <= 80 for line in result.out.splitlines()), result.out
