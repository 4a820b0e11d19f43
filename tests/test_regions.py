"""Regions come from one place (infermod/regions.py): fr-par today, INFERMOD_REGIONS to add
more; the schema follows; a region the API refuses is a finding, never every command's failure."""

from __future__ import annotations

import json

import pytest

from infermod.config.schema import schema_text
from infermod.errors import ConfigError
from infermod.livecheck.__main__ import main as livecheck_main
from infermod.regions import KNOWN, regions
from tests.conftest import ACCESS_KEY, PROJECT, SECRET_KEY, start_emulator, write
from tests.helpers import ROOT, stack_config


def region_enums(node: object) -> list[list[str]]:
    if isinstance(node, dict):
        found = [node["region"]["enum"]] if "enum" in node.get("region", {}) else []
        return found + [e for v in node.values() for e in region_enums(v)]
    if isinstance(node, list):
        return [e for v in node for e in region_enums(v)]
    return []


def test_fr_par_is_the_one_region_and_the_environment_adds_more(monkeypatch):
    assert regions() == KNOWN == ("fr-par",)
    monkeypatch.setenv("INFERMOD_REGIONS", " fr-par, nl-ams,fr-par ")
    assert regions() == ("fr-par", "nl-ams")
    for bad in ("fr-par,Paris", ",", "nl-ams;rm -rf"):
        monkeypatch.setenv("INFERMOD_REGIONS", bad)
        with pytest.raises(ConfigError, match=r"^INFERMOD_REGIONS: "):
            regions()


def test_the_shipped_schema_offers_exactly_the_known_regions():
    for path in (
        ROOT / "schemas" / "infermod.schema.json",
        ROOT / "infermod" / "data" / "infermod.schema.json",
    ):
        enums = region_enums(json.loads(path.read_text()))
        assert len(enums) == 3 and all(e == list(KNOWN) for e in enums), path


def test_the_schema_follows_the_environment(cli, tmp_path, monkeypatch):
    write(tmp_path / "infermod.yaml", stack_config("web", region="nl-ams"))
    refused = cli("validate", "--catalog", "snapshot", "--format", "json")
    assert refused.code == 1
    (finding,) = [f for f in json.loads(refused.out)["findings"] if f["field"] == "deployments.web.region"]
    assert "fr-par" in finding["message"] and finding["location"]["line"] == 5
    assert cli("schema").out == (ROOT / "schemas" / "infermod.schema.json").read_text()

    monkeypatch.setenv("INFERMOD_REGIONS", "fr-par,nl-ams")
    assert all(e == ["fr-par", "nl-ams"] for e in region_enums(json.loads(cli("schema").out)))
    assert json.loads(schema_text()) == json.loads(cli("schema").out)
    accepted = cli("validate", "--catalog", "snapshot", "--format", "json")
    assert not [f for f in json.loads(accepted.out)["findings"] if f["field"] == "deployments.web.region"]


def test_a_malformed_region_list_is_a_message_not_a_traceback(cli, tmp_path, monkeypatch, capsys):
    write(tmp_path / "infermod.yaml", stack_config("web"))
    monkeypatch.setenv("INFERMOD_REGIONS", "fr-par,PARIS")
    result = cli("validate", "--catalog", "snapshot")
    assert result.code == 1 and "INFERMOD_REGIONS: 'PARIS' is not a region name" in result.err
    assert "Traceback" not in result.err + result.out
    assert livecheck_main([]) == 1 and "INFERMOD_REGIONS" in capsys.readouterr().err


@pytest.fixture
def paris_only(monkeypatch):
    """An API that serves fr-par only (as Scaleway's does), while infermod is told to read
    nl-ams too: nl-ams answers 400 invalid_arguments."""
    running, server = start_emulator(regions=("fr-par",))
    monkeypatch.setenv("SCW_ACCESS_KEY", ACCESS_KEY)
    monkeypatch.setenv("SCW_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("SCW_API_URL", running.url)
    monkeypatch.setenv("SCW_DEFAULT_PROJECT_ID", PROJECT)
    monkeypatch.setenv("INFERMOD_REGIONS", "fr-par,nl-ams")
    yield running
    server.shutdown()
    server.server_close()


def test_a_refused_region_the_configuration_does_not_use_is_a_warning(paris_only, cli, tmp_path):
    write(tmp_path / "infermod.yaml", stack_config("web"))
    result = cli("plan", "--format", "json")
    assert result.code == 0, result.err
    body = json.loads(result.out)
    assert [c["address"] for c in body["resource_changes"]] == ["deployment.web"]
    (warning,) = [f for f in body["findings"] if f["rule_id"] == "region-refused"]
    assert warning["severity"] == "warning"
    assert warning["message"].startswith("region nl-ams was not read (cannot list deployments in nl-ams: 400")
    assert "unknown region nl-ams" in warning["message"]
    assert cli("apply", "--auto-approve").code == 0
    shown = cli("output", "web.status", "--raw")
    assert shown.code == 0 and shown.out.strip() in ("creating", "deploying", "ready")
    assert "Warning: region nl-ams was not read" in shown.err


def test_a_refused_region_the_configuration_uses_is_an_error_on_that_resource_only(paris_only, cli, tmp_path):
    text = stack_config("web") + stack_config("ams", region="nl-ams").split("deployments:\n", 1)[1]
    write(tmp_path / "infermod.yaml", text)
    result = cli("plan", "--format", "json")
    assert result.code == 1
    body = json.loads(result.out)
    errors = [f for f in body["findings"] if f["rule_id"] == "region-refused"]
    assert [(f["severity"], f["resource"], f["field"]) for f in errors] == [
        ("error", "deployment.ams", "deployments.ams.region")
    ]
    assert errors[0]["location"]["line"] == 10 and "nl-ams" in errors[0]["message"]
    # fr-par was still read and planned
    assert "deployment.web" in {c["address"] for c in body["resource_changes"]}


def test_by_default_only_fr_par_is_read(scw_env, cli, tmp_path, monkeypatch):
    write(tmp_path / "infermod.yaml", stack_config("web"))
    monkeypatch.setenv("INFERMOD_LOG", "debug")
    result = cli("plan")
    assert result.code == 0, result.err
    paths = [line.split()[4] for line in result.err.splitlines() if " http GET /inference/" in line]
    assert paths and all(p.startswith("/inference/v1/regions/fr-par/") for p in paths), paths
