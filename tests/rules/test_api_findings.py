"""Quota and locked-deployment findings in real plans (CLI against the emulator), before any write."""

from __future__ import annotations

import json
import threading
import time

import requests

from tests.conftest import ACCESS_KEY, OTHER_PROJECT, PROJECT, SECRET_KEY, start_emulator, write
from tests.helpers import create, owned

CONFIG = """\
version: 1
stack: web
deployments:
  chat:
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: {node_type}
    size: {size}
    accept_eula: true
    endpoints: [{{public: true}}]
"""
ORG = "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f"


def plan(cli, tmp_path, node_type="H100", size=1, *args):
    write(tmp_path / "infermod.yaml", CONFIG.format(node_type=node_type, size=size))
    result = cli("plan", "--format", "json", *args)
    return result.code, {f["rule_id"]: f for f in json.loads(result.out)["findings"]}


def writes(emulator) -> list[str]:
    return [r for r in emulator.stats()["routes"] if not r.startswith("GET")]


def test_over_the_documented_quota_is_a_warning(cli, scw_env, tmp_path):
    code, found = plan(cli, tmp_path, "H100", 4)
    assert code == 0 and found["quota-exceeded"]["severity"] == "warning"
    assert "4 H100-class nodes" in found["quota-exceeded"]["message"]
    assert found["quota-exceeded"]["location"]["line"] == 7  # size:
    assert "quota-exceeded" not in plan(cli, tmp_path, "H100", 3)[1]


def test_over_a_quota_you_set_is_an_error_before_any_write(cli, scw_env, tmp_path, monkeypatch):
    monkeypatch.setenv("INFERMOD_NODE_QUOTA", "H100=3,L4=5")
    code, found = plan(cli, tmp_path, "H100-2", 4)
    assert code == 1 and found["quota-exceeded"]["severity"] == "error"
    scw_env.reset_stats()
    result = cli("apply", "--auto-approve")
    assert result.code == 1 and "quota-exceeded" in result.out
    assert writes(scw_env) == []
    monkeypatch.setenv("INFERMOD_NODE_QUOTA", "H100=lots")
    assert plan(cli, tmp_path)[1]["quota-setting"]["severity"] == "error"


def test_other_projects_count_when_the_organization_is_known(cli, scw_env, sdk, tmp_path, monkeypatch):
    create(sdk, "elsewhere", [], node_type="H100", size=2, project_id=OTHER_PROJECT)
    assert "quota-exceeded" not in plan(cli, tmp_path, "H100", 2)[1]  # only the project read: 2
    monkeypatch.setenv("SCW_DEFAULT_ORGANIZATION_ID", ORG)
    finding = plan(cli, tmp_path, "H100", 2)[1]["quota-exceeded"]
    assert "4 H100-class nodes" in finding["message"] and "organization's deployments" in finding["message"]


def test_a_locked_deployment_blocks_a_plan_that_changes_it(cli, scw_env, sdk, tmp_path):
    dep = create(sdk, "chat", owned("web", "chat"), node_type="L4")
    requests.post(
        f"{scw_env.url}/emulator/v1/deployments/{dep.id}/status", json={"status": "locked"}, timeout=5
    )
    code, found = plan(cli, tmp_path, "L4", 1)
    assert code == 0 and found["deployment-locked"]["severity"] == "warning"
    code, found = plan(cli, tmp_path, "L4", 2)
    assert code == 1 and found["deployment-locked"]["severity"] == "error"
    assert "locked by Scaleway" in found["deployment-locked"]["message"]
    scw_env.reset_stats()
    assert cli("apply", "--auto-approve").code == 1 and writes(scw_env) == []


def test_import_refuses_a_locked_deployment(cli, scw_env, sdk, tmp_path):
    dep = create(sdk, "chat", [], node_type="L4")
    requests.post(
        f"{scw_env.url}/emulator/v1/deployments/{dep.id}/status", json={"status": "locked"}, timeout=5
    )
    write(tmp_path / "infermod.yaml", CONFIG.format(node_type="L4", size=1))
    result = cli("import", "deployment.chat", dep.id, "--auto-approve")
    assert result.code == 1 and "locked by Scaleway" in result.err


def test_apply_stops_waiting_when_scaleway_locks_a_deployment(cli, tmp_path, monkeypatch):
    running, server = start_emulator(ready_after=60)  # it would stay `creating` for a minute
    try:
        for key, value in {
            "SCW_ACCESS_KEY": ACCESS_KEY,
            "SCW_SECRET_KEY": SECRET_KEY,
            "SCW_API_URL": running.url,
        }.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("SCW_DEFAULT_PROJECT_ID", PROJECT)
        write(tmp_path / "infermod.yaml", CONFIG.format(node_type="L4", size=1))

        def lock_when_created() -> None:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                with running.app.store.lock:
                    ids = list(running.app.store.deployments)
                if ids:
                    running.app.store.set_status(ids[0], "locked")
                    return
                time.sleep(0.05)

        locker = threading.Thread(target=lock_when_created)
        locker.start()
        started = time.monotonic()
        result = cli("apply", "--auto-approve", "--timeout", "50s")
        locker.join()
        assert result.code == 1 and "locked by Scaleway" in result.out + result.err
        assert time.monotonic() - started < 20  # not the 50 s --timeout
    finally:
        server.shutdown()
        server.server_close()
