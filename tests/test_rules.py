"""Compatibility and lifecycle rules, in validate and plan, as a CI gate."""

from __future__ import annotations

import datetime as dt
import json

from infermod.catalog import load_snapshot, stage_of
from tests.conftest import write

ONE = "version: 1\nstack: s\ndeployments:\n  d:\n    model: {model}\n    node_type: {node}\n    accept_eula: true\n    endpoints: [{{public: true}}]\n{extra}"


def setup(tmp_path, model, node="L4", extra=""):
    write(tmp_path / "infermod.yaml", ONE.format(model=model, node=node, extra=extra))


def findings(result):
    return {f["rule_id"]: f for f in json.loads(result.out)["findings"]}


def test_plan_warns_for_preview(cli, scw_env, tmp_path):
    setup(tmp_path, "qwen/qwen3-coder-30b-a3b-instruct:fp8", "L40S")
    result = cli("plan", "--format", "json")
    assert result.code == 0
    assert findings(result)["lifecycle-preview"]["severity"] == "warning"
    assert cli("plan", "--fail-on", "warning").code == 1


def test_plan_warns_with_days_left_for_deprecated(cli, scw_env, tmp_path):
    setup(tmp_path, "mistral/mistral-7b-instruct-v0.3:bf16")
    f = findings(cli("plan", "--format", "json"))["lifecycle-eol-notice"]
    eol = dt.date.today() + dt.timedelta(days=55)
    assert f["severity"] == "warning" and f"End-of-Life on {eol.isoformat()}, in 55 days" in f["message"]
    assert "redirected to a similar model" in f["message"]
    result = cli("plan", "--eol-horizon", "60", "--format", "json")
    assert result.code == 1 and findings(result)["lifecycle-eol-horizon"]["severity"] == "error"
    assert cli("plan", "--eol-horizon", "30").code == 0


def test_deprecated_outside_the_notice_window(cli, scw_env, tmp_path):
    setup(tmp_path, "deepseek/deepseek-r1-distill-llama-8b:bf16")
    f = findings(cli("plan", "--format", "json"))["lifecycle-deprecated"]
    assert "in 200 days" in f["message"] and "notice window" not in f["message"]


def test_plan_refuses_end_of_life_before_any_write(cli, scw_env, tmp_path):
    setup(tmp_path, "mistral/mixtral-8x7b-instruct-v0.1:fp8", "H100")
    result = cli("apply", "--auto-approve")
    assert result.code == 1 and "lifecycle-eol" in result.out
    assert not any(r.startswith("POST") for r in scw_env.stats()["routes"])


def test_unsupported_node_type_fails_validate_and_plan(cli, scw_env, tmp_path):
    setup(tmp_path, "meta/llama-3.3-70b-instruct:fp8", "L4")
    for command in (["validate", "--catalog", "live", "--format", "json"], ["plan", "--format", "json"]):
        result = cli(*command)
        assert result.code == 1
        got = findings(result)
        assert got["model-node-type"]["location"]["line"] == 6
        assert "model-vram" not in got  # the API's `allowed: false` is the reason, no estimate of ours
    assert not any(r.startswith("POST") for r in scw_env.stats()["routes"])


def test_quantization_context_eula_and_stock(more_regions, cli, scw_env, tmp_path):
    write(
        tmp_path / "infermod.yaml",
        """\
version: 1
stack: s
deployments:
  q:
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: L4
    quantization: 4
    accept_eula: true
    endpoints: [{public: true}]
  c:
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: L4
    quantization: 8
    context_size: 94000
    accept_eula: true
    endpoints: [{public: true}]
  e:
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: L4
    endpoints: [{public: true}]
  s:
    region: pl-waw
    model: meta/llama-3.3-70b-instruct:fp8
    node_type: H100-SXM-2
    accept_eula: true
    endpoints: [{public: true}]
  u:
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: B300
    accept_eula: true
    endpoints: [{public: true}]
""",
    )
    result = cli("validate", "--catalog", "live", "--format", "json")
    got = {(f["resource"], f["rule_id"]) for f in json.loads(result.out)["findings"]}
    assert {
        ("deployment.q", "quantization-not-allowed"),
        ("deployment.c", "context-size"),
        ("deployment.e", "eula-required"),
        ("deployment.s", "node-type-out-of-stock"),
        ("deployment.u", "node-type-unknown"),
    } <= got


def test_validate_falls_back_to_the_snapshot_and_says_so(cli, tmp_path):
    setup(tmp_path, "meta/llama-3.1-8b-instruct:fp8")
    result = cli("validate", "--format", "json")
    assert result.code == 0
    note = findings(result)["catalog-snapshot"]
    assert "captured on 2025-05-15" in note["message"] and "could not be read" in note["message"]


def test_snapshot_and_stage_mapping():
    snap = load_snapshot()
    today = dt.date(2026, 11, 21)
    assert snap.lifecycle_of("qwen/qwen3-coder-30b-a3b-instruct:fp8").stage == "Preview"
    assert snap.lifecycle_of("mistral/mistral-7b-instruct-v0.3:bf16").stage == "Deprecated"
    assert snap.lifecycle_of("mistral/mixtral-8x7b-instruct-v0.1:fp8").stage == "End-of-Life"
    assert stage_of("general_availability", None, today) == "Active"
    assert stage_of("end_of_sale", today + dt.timedelta(days=1), today) == "Deprecated"
    assert stage_of("end_of_sale", today, today) == "End-of-Life"
