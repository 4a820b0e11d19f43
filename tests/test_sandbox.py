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


def test_every_command_that_reads_uses_the_sandbox_hub_never_the_network(cli, tmp_path, monkeypatch):
    """validate --check-models and check-model read the sandbox's local Hub, as plan does."""
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens: the network is never read
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    result = cli("validate", "--sandbox", "--check-models", "-f", "examples/custom-model.yaml")
    assert result.code == 0, result.out + result.err
    assert "hf-unreachable" not in result.out and "[sandbox]" in result.err
    result = cli("check-model", "--sandbox", "acme/support-bot-8b")
    assert result.code == 0 and result.out.startswith("acme/support-bot-8b: compatible"), result.out
    assert "[sandbox] local Hugging Face Hub" in result.err


def test_an_unreachable_hub_is_no_verdict(cli, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("INFERMOD_HF_TIMEOUT", "1")
    result = cli("check-model", "acme/support-bot-8b")
    assert result.code == 1 and result.out.startswith("acme/support-bot-8b: could not be checked"), result.out
    assert "NOT compatible" not in result.out and "hf-unreachable" in result.out
    body = json.loads(cli("check-model", "acme/support-bot-8b", "--format", "json").out)
    assert body["checked"] is False and body["compatible"] is False


def test_hints_printed_in_a_sandbox_run_can_be_pasted_and_run(cli, tmp_path, monkeypatch, answer):
    """A hand-made deployment whose name the configuration wants: the finding's hint is the
    import command with --sandbox and -f, and running it exactly as printed adopts it."""
    import re
    import shlex

    from scaleway.inference.v1 import InferenceV1API

    from infermod.sandbox import running_sandbox
    from infermod.scw.client import SANDBOX_PROJECT_ID
    from tests.conftest import sdk_client
    from tests.helpers import create

    monkeypatch.setenv("INFERMOD_SANDBOX_READY_AFTER", "0")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    with running_sandbox() as url:  # made by hand in the sandbox's own project
        hand_made = create(InferenceV1API(sdk_client(url)), "chat", [], project_id=SANDBOX_PROJECT_ID)
    result = cli("plan", "--sandbox", "-f", "examples/quickstart.yaml")
    hint = re.search(r"adopt it with `([^`]+)`", result.out)
    assert hint is not None, result.out
    words = shlex.split(hint.group(1))
    assert (
        words[:2] == ["infermod", "import"] and "--sandbox" in words and "examples/quickstart.yaml" in words
    )
    # run as printed: it reaches the sandbox and the configuration (no credentials asked, no
    # missing infermod.yaml), asks (the tag write is a change to the deployment), and adopts it
    answer("yes")
    result = cli(*words[1:])
    assert result.code == 0 and f"Imported chat ({hand_made.id})" in result.out, result.out + result.err
