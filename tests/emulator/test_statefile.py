"""The emulator's state file read back: its own state, nothing yet, or a named refusal."""

from __future__ import annotations

import json

import pytest

from infermod.emulator.statefile import read_state
from infermod.errors import FatalError


def test_no_file_yet_is_an_empty_start(tmp_path):
    assert read_state(str(tmp_path / "state.json")) is None


DEPLOYMENT = {
    "id": "d1",
    "name": "a",
    "project_id": "p",
    "region": "fr-par",
    "status": "ready",
    "tags": ["t"],
    "node_type_name": "L4",
    "model_id": "m",
    "model_name": "meta/llama-3.1-8b-instruct:fp8",
    "endpoints": [],
    "size": 1,
    "min_size": 1,
    "max_size": 1,
    "quantization": {"bits": 8},
    "created_at": "2026-01-01T00:00:00.000000Z",
    "updated_at": None,
}
MODEL = {
    "id": "m1",
    "name": "ft",
    "project_id": "p",
    "region": "fr-par",
    "status": "ready",
    "tags": ["custom"],
    "created_at": "2026-01-01T00:00:00.000000Z",
}


def test_its_own_state_reads_back_and_missing_tables_are_empty(tmp_path):
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"deployments": {"d1": DEPLOYMENT}, "models": {}}))
    assert read_state(str(path)) == ({"d1": DEPLOYMENT}, {})
    path.write_text(json.dumps({"models": {"m1": MODEL}}))
    assert read_state(str(path)) == ({}, {"m1": MODEL})


@pytest.mark.parametrize(
    ("table", "record", "said"),
    [
        (
            "deployments",
            {k: v for k, v in DEPLOYMENT.items() if k != "status"},
            "status: missing (expected a string)",
        ),
        ("deployments", {**DEPLOYMENT, "tags": "oops"}, "tags: expected a list of strings"),
        ("deployments", {**DEPLOYMENT, "size": -1}, "size: expected a whole number"),
        ("deployments", {**DEPLOYMENT, "min_size": True}, "min_size: expected a whole number"),
        ("deployments", {**DEPLOYMENT, "id": "d2"}, "id: not the record's key"),
        ("models", {**MODEL, "status": None}, "status: expected a string"),
    ],
)
def test_a_hand_damaged_record_is_named_with_its_field(tmp_path, table, record, said):
    path = tmp_path / "state.json"
    key = "d1" if table == "deployments" else "m1"
    path.write_text(json.dumps({table: {key: record}}))
    with pytest.raises(FatalError) as info:
        read_state(str(path))
    assert str(info.value).startswith(f"{path}: {table}['{key}']: {said}: the state file was damaged")


def test_a_damaged_sandbox_state_is_a_clear_error_through_the_cli(cli, tmp_path):
    from tests.conftest import write

    write(tmp_path / "infermod.yaml", "version: 1\nstack: s\ndeployments: {}\n")
    write(
        tmp_path / ".infermod" / "sandbox" / "state.json",
        json.dumps({"deployments": {"d1": {**DEPLOYMENT, "tags": 7}}}),
    )
    result = cli("plan", "--sandbox")
    assert result.code == 1, result.out
    assert "deployments['d1']: tags: expected a list of strings: the state file was damaged" in result.err
    assert "Traceback" not in result.out + result.err


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
