"""The read-only live check, run against the emulator (it cannot reach Scaleway here)."""

from __future__ import annotations

import json

from infermod.livecheck.__main__ import main
from infermod.livecheck.checks import PUBLIC_PROJECT_ID, Context, project_filter, public_project
from tests.helpers import create


def test_every_assumption_holds_on_the_emulator_with_gets_only(scw_env, sdk, capsys):
    create(sdk, "seen", [])
    scw_env.reset_stats()
    assert main(["--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    results = {c["id"]: c["result"] for c in report["checks"]}
    assert report["format_version"] == "1"
    assert results == {f"A{i}": "ok" for i in range(1, 8)} | {"A8": "skipped"}
    assert all(route.startswith("GET ") for route in scw_env.stats()["routes"])


def test_text_report_and_organization_quota_lookup(more_regions, scw_env, monkeypatch, capsys):
    monkeypatch.setenv("SCW_DEFAULT_ORGANIZATION_ID", "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f")
    assert main(["--region", "nl-ams"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("ok       A1  catalog models belong to project 0000")
    assert lines[-1].startswith("skipped  A8") and "answered 404" in lines[-1]


def test_a_broken_assumption_is_reported():
    def get(path, query):
        models = [{"name": "m", "project_id": PUBLIC_PROJECT_ID, "nodes_support": []}]
        return 200, {"models": models, "total_count": 1}

    ctx = Context(get, "fr-par", "11111111-1111-4111-8111-111111111111", None)
    assert public_project(ctx).result == "ok"
    leaked = project_filter(ctx)
    assert leaked.result == "differs" and "1 catalog models listed under your project filter" in leaked.detail


def test_without_credentials_it_says_so(capsys):
    assert main([]) == 1
    assert "credentials are not set" in capsys.readouterr().err
