"""The emulator's state file read back: its own state, nothing yet, or a named refusal."""

from __future__ import annotations

import json

import pytest

from infermod.emulator.statefile import read_state
from infermod.errors import FatalError


def test_no_file_yet_is_an_empty_start(tmp_path):
    assert read_state(str(tmp_path / "state.json")) is None


def test_its_own_state_reads_back_and_missing_tables_are_empty(tmp_path):
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"deployments": {"d1": {"name": "a"}}, "models": {}}))
    assert read_state(str(path)) == ({"d1": {"name": "a"}}, {})
    path.write_text(json.dumps({"models": {"m1": {"name": "ft"}}}))
    assert read_state(str(path)) == ({}, {"m1": {"name": "ft"}})


@pytest.mark.parametrize(
    "body",
    [
        b'{"deployments": {"d1": {"name": "a"}}, "mod',  # cut short by a crash or a full disk
        b"",
        b"\xff\xfe not utf-8",
        b"[" * 100_000,  # nested past the parser's recursion limit
        b"[]",
        b'"state"',
        b'{"deployments": [], "models": {}}',
        b'{"deployments": {"d1": "a"}, "models": {}}',  # a record that is not an object
        b'{"deployments": {}, "models": null}',
    ],
)
def test_a_damaged_or_foreign_file_is_refused_by_name_never_half_used(tmp_path, body):
    path = tmp_path / "state.json"
    path.write_bytes(body)
    with pytest.raises(FatalError) as info:
        read_state(str(path))
    message = str(info.value)
    assert message.startswith(f"{path}: not the emulator's state") and "move it away" in message
