"""--sandbox: a local emulator started and stopped by infermod, state in .infermod/sandbox/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quickstart_in_the_sandbox(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("INFERMOD_SANDBOX_READY_AFTER", "0.3")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    result = cli("apply", "--sandbox", "--auto-approve", "-f", "examples/quickstart.yaml")
    assert result.code == 0, result.out + result.err
    assert "[sandbox]" in result.err and "[sandbox]" in result.out
    assert "Apply complete! Deployments: 2 added, 0 changed, 0 destroyed." in result.out
    assert (tmp_path / ".infermod" / "sandbox" / "state.json").exists()
    result = cli("plan", "--sandbox", "-f", "examples/quickstart.yaml", "--detailed-exitcode")
    assert result.code == 0 and "No changes. Your deployments match the configuration." in result.out
    body = json.loads(cli("output", "--sandbox", "-f", "examples/quickstart.yaml", "--format", "json").out)
    assert body["deployments"]["chat"]["status"] == "ready"
    result = cli("destroy", "--sandbox", "--auto-approve", "-f", "examples/quickstart.yaml")
    assert result.code == 0 and "2 destroyed" in result.out


def test_sandbox_needs_no_credentials_and_shows_costs(cli, tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    result = cli("plan", "--sandbox", "-f", "examples/quickstart.yaml", "--format", "json")
    body = json.loads(result.out)
    assert result.code == 0 and body["sandbox"] is True
    # L4 at 0.93 EUR per node-hour, 730 hours a month, two single-node deployments
    assert body["cost"] == {
        "currency": "EUR",
        "monthly_before": 0.0,
        "monthly_after": 1357.8,
        "monthly_diff": 1357.8,
        "complete": True,
    }
    chat = next(c for c in body["resource_changes"] if c["address"] == "deployment.chat")
    assert chat["cost"]["hourly_after"] == 0.93 and chat["cost"]["monthly_after"] == 678.9
    markdown = cli("plan", "--sandbox", "-f", "examples/quickstart.yaml", "--format", "markdown").out
    assert "(sandbox)" in markdown and "+1,357.80 EUR" in markdown


def test_custom_model_example_applies_in_the_sandbox_without_network(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("INFERMOD_SANDBOX_READY_AFTER", "0.2")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # never used while the sandbox runs
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    result = cli("apply", "--sandbox", "--check-models", "--auto-approve", "-f", "examples/custom-model.yaml")
    assert result.code == 0, result.out + result.err
    assert "Apply complete! Deployments: 1 added" in result.out and "Models: 1 imported" in result.out


def test_the_examples_are_separate_stacks(cli, tmp_path, monkeypatch):
    """The README's quickstart applies quickstart.yaml, then plans custom-model.yaml: that plan
    once destroyed the quickstart's deployments, the two files sharing `stack: demo`."""
    monkeypatch.setenv("INFERMOD_SANDBOX_READY_AFTER", "0")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    assert cli("apply", "--sandbox", "--auto-approve", "-f", "examples/quickstart.yaml").code == 0
    for other in ("custom-model",):
        body = json.loads(cli("plan", "--sandbox", "-f", f"examples/{other}.yaml", "--format", "json").out)
        assert body["summary"]["destroy"] == 0, other


def test_a_damaged_sandbox_state_is_named_not_an_internal_error(cli, tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    state = tmp_path / ".infermod" / "sandbox" / "state.json"
    state.parent.mkdir(parents=True)
    for body in ("garbage", "[]", '{"deployments": 5}', '{"models": {"x": 1}}'):
        state.write_text(body)
        result = cli("plan", "--sandbox", "-f", "examples/quickstart.yaml")
        assert result.code == 1, body
        assert "internal error" not in result.err and "Traceback" not in result.err
        assert ".infermod/sandbox/state.json: not the emulator's state" in result.err, result.err
