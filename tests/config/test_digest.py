"""The configuration's digest: worked out only where it is read (a saved plan, the JSON and
markdown views, apply's check of a saved plan), and still the one that tells apply a saved
plan's configuration was edited or no longer loads the same."""

from __future__ import annotations

import json

import pytest

from infermod.config import model
from infermod.config.digest import config_digest
from infermod.config.load import load_config
from tests.conftest import write
from tests.helpers import many


@pytest.fixture
def digests(monkeypatch):
    calls = []

    def counting(config):
        calls.append(config.stack)
        return config_digest(config)

    monkeypatch.setattr(model, "config_digest", counting)
    return calls


def test_a_plan_shown_as_text_never_works_out_the_digest(cli, scw_env, tmp_path, digests):
    write(tmp_path / "infermod.yaml", many(3))
    assert cli("validate").code == 0
    assert cli("plan").code == 0
    assert digests == []


def test_the_json_view_and_a_saved_plan_carry_the_configuration_s_digest(cli, scw_env, tmp_path, digests):
    path = write(tmp_path / "infermod.yaml", many(3))
    expected = load_config([path]).config.digest
    result = cli("plan", "--format", "json")
    assert result.code == 0 and json.loads(result.out)["configuration"]["digest"] == expected
    assert cli("plan", "--out", "p.json").code == 0
    saved = json.loads((tmp_path / "p.json").read_text())
    assert saved["configuration"]["digest"] == expected and expected.startswith("sha256:")
    assert digests  # worked out, since it was read


def test_a_saved_plan_whose_configuration_was_edited_is_refused(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", many(2))
    assert cli("plan", "--out", "p.json").code == 0
    data = json.loads((tmp_path / "p.json").read_text())
    source = data["embedded"]["sources"][0]
    source["text"] = source["text"].replace("node_type: L4", "node_type: L40S", 1)
    (tmp_path / "p.json").write_text(json.dumps(data))
    result = cli("apply", "p.json")
    assert result.code == 1 and "the configuration changed" in result.err, result.out + result.err
    assert sdk.list_deployments_all() == []


def test_a_saved_plan_whose_configuration_loads_differently_is_refused(
    cli, scw_env, sdk, tmp_path, monkeypatch
):
    """The digest is of the loaded configuration, not of its text: the same text, with the
    value the plan file recorded for its `${VAR}` edited, loads differently and is refused."""
    monkeypatch.setenv("NODE", "L4")
    write(tmp_path / "infermod.yaml", many(2).replace("node_type: L4", "node_type: ${NODE}"))
    assert cli("plan", "--out", "p.json").code == 0
    data = json.loads((tmp_path / "p.json").read_text())
    assert data["embedded"]["variables"]["values"] == {"NODE": "L4"}
    data["embedded"]["variables"]["values"]["NODE"] = "L40S"
    (tmp_path / "p.json").write_text(json.dumps(data))
    result = cli("apply", "p.json")
    assert result.code == 1 and "the configuration changed" in result.err, result.out + result.err
    assert sdk.list_deployments_all() == []
