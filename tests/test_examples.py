"""The shipped examples: each owns its own stack, so they live side by side in one sandbox;
and every command counts the same days to End-of-Life."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import write

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def _stack(path: Path) -> str:
    line = next(x for x in path.read_text().splitlines() if x.startswith("stack:"))
    return line.split(":", 1)[1].strip()


def test_every_example_has_its_own_stack():
    stacks = [_stack(p) for p in EXAMPLES]
    assert len(EXAMPLES) >= 3 and len(set(stacks)) == len(stacks), stacks


def test_all_examples_applied_in_one_sandbox_never_touch_each_other(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("INFERMOD_SANDBOX_READY_AFTER", "0.2")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    names = [f"examples/{p.name}" for p in EXAMPLES]
    for name in names:
        plan = json.loads(cli("plan", "--sandbox", "-f", name, "--format", "json").out)
        # what is already in the sandbox belongs to the other examples: never deleted or changed
        assert {tuple(c["change"]["actions"]) for c in plan["resource_changes"]} == {("create",)}, name
        result = cli("apply", "--sandbox", "--auto-approve", "-f", name)
        assert result.code == 0 and "Apply complete!" in result.out, (name, result.out, result.err)
    for name in names:
        result = cli("plan", "--sandbox", "-f", name, "--detailed-exitcode")
        assert result.code == 0 and "No changes." in result.out, (name, result.out)
    result = cli("destroy", "--sandbox", "--auto-approve", "-f", "examples/quickstart.yaml")
    assert result.code == 0 and "Destroy complete! 2 destroyed." in result.out, result.out
    assert "Apply complete" not in result.out
    for name in names:
        if not name.endswith("quickstart.yaml"):
            assert cli("plan", "--sandbox", "-f", name, "--detailed-exitcode").code == 0, name


DEPRECATED = """\
version: 1
stack: eol
deployments:
  old:
    model: mistral/mistral-7b-instruct-v0.3:bf16
    node_type: L40S
    endpoints: [{public: true}]
"""


@pytest.mark.parametrize("zone", ["Etc/GMT-14", "Etc/GMT+12"])
def test_days_to_end_of_life_are_the_same_in_every_command_and_time_zone(cli, tmp_path, monkeypatch, zone):
    """Between them, these two zones have a local date other than the UTC date at any hour."""
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        monkeypatch.setenv("INFERMOD_SANDBOX_READY_AFTER", "0.2")
        path = write(tmp_path / "eol.yaml", DEPRECATED)
        checked = json.loads(cli("validate", "-f", path, "--format", "json").out)
        planned = json.loads(cli("plan", "--sandbox", "-f", path, "--format", "json").out)
        messages = [
            next(f["message"] for f in body["findings"] if f["rule_id"] == "lifecycle-eol-notice")
            for body in (checked, planned)
        ]
        assert messages[0] == messages[1] and "in 55 days" in messages[0], messages
    finally:
        monkeypatch.undo()
        time.tzset()
