"""The rules in one call: the same findings from files and from a plan file's sources, and a
configuration with errors still checked where it can be, each problem once."""

from __future__ import annotations

import datetime as dt

from infermod.catalog import load_snapshot
from infermod.rules.engine import checked_findings, load_checked_config, load_checked_sources
from tests.conftest import write

BODY = """version: 1
stack: s
deployments:
  a:
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: B300
    min_size: 1
    max_size: 2
    endpoints: [{public: true}]
  b:
    model: qwen/qwen3-coder-30b-a3b-instruct:fp8
    node_type: L40S
    quantization: 6
    endpoints: [{public: true}]
"""


def test_sources_and_files_give_the_same_findings(tmp_path):
    path = write(tmp_path / "infermod.yaml", BODY)
    from_files = load_checked_config([path], {})
    from_sources = load_checked_sources([(path, BODY)], {})
    assert from_files.findings == from_sources.findings
    assert {f.rule_id for f in from_files.findings} == {"schema", "size-autoscaling"}


def test_catalog_rules_skip_only_what_reads_a_broken_field(tmp_path):
    result = load_checked_config([write(tmp_path / "infermod.yaml", BODY)], {})
    found = {
        (f.resource, f.rule_id)
        for f in checked_findings(result, load_snapshot(dt.date(2026, 11, 25)), None, False)
    }
    assert ("deployment.a", "node-type-unknown") in found and ("deployment.a", "eula-required") in found
    assert ("deployment.b", "lifecycle-preview") in found  # reads only the model
    # quantization 6 failed the schema: the rules that read it are skipped, not run on a guess
    assert not {("deployment.b", "quantization-not-allowed"), ("deployment.b", "model-vram")} & found
    assert checked_findings(result._replace(config=None), load_snapshot(), None, False) == []
