"""Start-up: a command loads only what it needs (the benchmark measures the time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROBE = """
import json, sys
from infermod.cli import main
code = main(["validate", "-f", sys.argv[1]])
heavy = ["scaleway", "scaleway_core", "requests", "jsonschema", "deepdiff", "tabulate"]
print(json.dumps({"code": code, "loaded": [m for m in heavy if m in sys.modules]}))
"""


def run_probe(tmp_path, path: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCW_", "XDG_"))}
    env["HOME"] = str(tmp_path)  # no ~/.config/scw/config.yaml: no credentials anywhere
    out = subprocess.run(
        [sys.executable, "-c", PROBE, path], env=env, cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_validate_without_credentials_loads_no_sdk_http_stack_or_jsonschema(tmp_path):
    result = run_probe(tmp_path, os.path.join(ROOT, "examples", "quickstart.yaml"))
    assert result == {"code": 0, "loaded": []}


def test_a_file_with_problems_still_gets_jsonschema_messages(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "version: 1\nstack: demo\ndeployments:\n  chat:\n    model: m\n    node_type: L4\n    endpoints: []\n"
    )
    result = run_probe(tmp_path, str(bad))
    assert result["code"] == 1 and result["loaded"] == ["jsonschema"]
