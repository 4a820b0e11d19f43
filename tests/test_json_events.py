"""`--json` on validate, plan, apply and destroy: one JSON object per line on stdout, each valid
against schemas/infermod-events.schema.json, `version` first and `summary` or `error` last."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import write
from tests.helpers import ROOT, TWO

SCHEMA = json.loads((ROOT / "schemas" / "infermod-events.schema.json").read_text())


def events(out: str) -> list[dict]:
    validator = Draft202012Validator(SCHEMA)
    lines = out.splitlines()
    assert lines, "no events"
    parsed = []
    for line in lines:
        event = json.loads(line)  # every line is one JSON object: nothing else reaches stdout
        errors = sorted(validator.iter_errors(event), key=str)
        assert not errors, (line, [e.message for e in errors])
        parsed.append(event)
    assert parsed[0]["type"] == "version" and parsed[0]["format_version"] == "1"
    assert parsed[-1]["type"] in ("summary", "error")
    assert all(e["type"] not in ("version", "summary", "error") for e in parsed[1:-1])
    return parsed


def types(parsed: list[dict]) -> list[str]:
    return [e["type"] for e in parsed]


def test_plan_apply_and_destroy_stream_every_event(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", TWO)
    plan = events(cli("plan", "--json").out)
    kinds = [k for k in types(plan) if k != "finding"]  # the plan's warnings, if any, come before its totals
    assert kinds == [
        "version",
        "planned_change",
        "planned_change",
        "planned_change",
        "change_summary",
        "summary",
    ]
    assert plan[-1]["summary"]["exit_code"] == 0 and plan[-1]["summary"]["changes"]["add"] == 3
    [totals] = [e for e in plan if e["type"] == "change_summary"]
    # the slowest change of the three is the custom model's import (not recorded: up to 3 h)
    assert totals["expected_duration"] == {
        "minutes_low": None,
        "minutes_high": 180,
        "kind": "custom model import",
        "count": 1,
        "recorded": False,
        "text": "unknown, up to 3 h: 1 custom model import (imports were not recorded; "
        "Scaleway's Terraform provider allows one 3 h)",
    }

    result = cli("apply", "--json", "--auto-approve")
    assert result.code == 0, result.err
    applied = events(result.out)
    kinds = types(applied)
    for kind in ("planned_change", "change_summary", "apply_start", "apply_complete", "outcome", "outputs"):
        assert kind in kinds, kinds
    started = {e["address"] for e in applied if e["type"] == "apply_start"}
    completed = {e["address"] for e in applied if e["type"] == "apply_complete"}
    assert started == completed == {"model.ft", "deployment.chat", "deployment.bot"}
    assert set(applied[kinds.index("outputs")]["outputs"]["deployments"]) == {"chat", "bot"}
    assert applied[-1]["summary"] == {
        "exit_code": 0,
        "operation": "apply",
        "ok": True,
        "added": 2,
        "changed": 0,
        "imported": 0,
        "destroyed": 0,
        "failed": 0,
    }
    # the human text is still there, on stderr
    assert "Apply complete!" in result.err and "Outputs:" in result.err

    destroyed = events(cli("destroy", "--json", "--auto-approve").out)
    assert destroyed[-1]["summary"]["destroyed"] == 3
    (outputs,) = [e for e in destroyed if e["type"] == "outputs"]
    assert outputs["outputs"]["deployments"] == {}  # nothing is left


def test_validate_streams_each_finding(cli, tmp_path):
    write(tmp_path / "infermod.yaml", TWO.replace("node_type: L4\n", "node_type: L4\n    bogus: 1\n", 1))
    result = cli("validate", "--json", "--catalog", "snapshot")
    parsed = events(result.out)
    assert result.code == 1 and parsed[-1]["summary"]["valid"] is False
    (bogus,) = [
        e for e in parsed if e["type"] == "finding" and e["finding"]["field"] == "deployments.chat.bogus"
    ]
    assert bogus["finding"]["location"]["line"] == 9


def test_an_error_ends_the_stream(cli, tmp_path):
    write(
        tmp_path / "infermod.yaml",
        "version: 1\nstack: s\ndeployments:\n  bot:\n    node_type L4\n    size: 1\n",
    )
    result = cli("plan", "--json")
    parsed = events(result.out)
    assert result.code == 1 and parsed[-1]["type"] == "error" and parsed[-1]["exit_code"] == 1
    assert [e["finding"]["rule_id"] for e in parsed if e["type"] == "finding"] == ["yaml-syntax"]


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["apply", "--json"], "--json cannot ask for confirmation: add --auto-approve to apply"),
        (["destroy", "--json"], "--json cannot ask for confirmation: add --auto-approve to destroy"),
        (["plan", "--json", "--format", "markdown"], "--json writes events, --format a view: choose one"),
        (["plan", "--json", "--bogus"], "No such option '--bogus'"),  # click's own, before the command
    ],
)
def test_json_refuses_what_it_cannot_do_in_a_stream_that_says_so(cli, tmp_path, argv, said):
    """A consumer reading stdout gets the `version` line and the `error` event, as for every
    failed command, never an empty stream; people read the same on stderr."""
    write(tmp_path / "infermod.yaml", TWO)
    result = cli(*argv)
    assert result.code == 1 and said in result.err
    parsed = events(result.out)
    assert types(parsed) == ["version", "error"] and said in parsed[1]["@message"]
    assert parsed[0]["command"] == argv[0] and parsed[1]["exit_code"] == 1
