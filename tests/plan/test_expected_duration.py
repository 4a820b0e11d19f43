"""The plan's expected duration in its JSON form (format 1.4): the same slowest change the text
view states, valid against schemas/infermod-plan.schema.json, and a forged one refused."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from tests.conftest import write
from tests.helpers import ROOT, stack_config

SCHEMA = json.loads((ROOT / "schemas" / "infermod-plan.schema.json").read_text())


def valid(body: dict) -> dict:
    errors = sorted(Draft202012Validator(SCHEMA).iter_errors(body), key=str)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    return body


def test_the_plan_json_states_its_slowest_change_as_the_text_view_does(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", stack_config("a", "b"))
    body = valid(json.loads(cli("plan", "--format", "json").out))
    assert body["format_version"] == "1.6"
    assert body["expected_duration"] == {
        "minutes_low": 14,
        "minutes_high": 14,
        "kind": "creation",
        "count": 2,
        "recorded": True,
        "text": "≈14 min: 2 creations (the slowest change; changes run in parallel)",
    }
    assert "Expected duration: " + body["expected_duration"]["text"] in cli("plan").out
    assert cli("apply", "--auto-approve").code == 0
    unchanged = valid(json.loads(cli("plan", "--format", "json").out))
    assert unchanged["expected_duration"] is None
    write(tmp_path / "infermod.yaml", stack_config("a"))
    deleting = valid(json.loads(cli("plan", "--format", "json").out))
    assert deleting["expected_duration"]["kind"] == "deletion"
    assert deleting["expected_duration"]["minutes_high"] == 1


def test_a_saved_plan_validates_and_a_forged_duration_is_refused(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", stack_config("a"))
    assert cli("plan", "--out", "plan.json").code == 0
    saved = valid(json.loads((tmp_path / "plan.json").read_text()))
    saved["expected_duration"]["minutes_high"] = 2  # "this will be quick"
    (tmp_path / "plan.json").write_text(json.dumps(saved))
    shown = cli("show", "plan.json")
    assert shown.code == 1
    assert "expected_duration: the file says" in shown.out + shown.err


def test_the_golden_plan_json_is_valid_against_the_schema():
    valid(json.loads((ROOT / "tests" / "golden" / "plan.json").read_text()))
