"""`infermod output [KEY] [--json|--raw]`: one value for scripts, clear errors otherwise."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import write

STACK = """\
version: 1
stack: shop
deployments:
  support-bot:
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: L4
    accept_eula: true
    endpoints: [{private_network_id: 44444444-4444-4444-8444-444444444444}, {public: true}]
  later:
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: L4
    accept_eula: true
    endpoints: [{public: true}]
"""


def test_output_values_for_scripts(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", STACK.split("  later:")[0])
    assert cli("apply", "--auto-approve").code == 0
    write(tmp_path / "infermod.yaml", STACK)
    dep = next(d for d in sdk.list_deployments_all() if d.name == "support-bot")
    public = next(e.url for e in dep.endpoints if e.public_network is not None)
    private = next(e.url for e in dep.endpoints if e.private_network is not None)

    raw = cli("output", "support-bot.url", "--raw")
    assert (raw.code, raw.out) == (0, public + "\n")  # the public endpoint, whatever its position
    assert cli("output", "deployment.support-bot.status", "--raw").out == "ready\n"
    assert cli("output", "support-bot.size", "--raw").out == "1\n"
    assert cli("output", "support-bot.endpoints.0.public", "--raw").out == "false\n"
    assert cli("output", "support-bot.endpoints.0.url", "--json").out == json.dumps(private) + "\n"
    whole = json.loads(cli("output", "support-bot").out)
    assert whole["id"] == dep.id and whole["url"] == public and len(whole["endpoints"]) == 2
    body = json.loads(cli("output", "--json").out)
    assert body["format_version"] == "1" and body["deployments"]["support-bot"] == whole


def test_output_errors_say_what_exists(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", STACK.split("  later:")[0])
    assert cli("apply", "--auto-approve").code == 0
    write(tmp_path / "infermod.yaml", STACK)
    cases = {
        ("later.url",): "deployment.later is not deployed yet: run `infermod apply`",
        ("nope.url",): "no output `nope.url`: the stack's deployments are support-bot",
        (
            "support-bot.urls",
        ): "`support-bot` has id, name, region, status, model, node_type, size, url, endpoints",
        ("support-bot.endpoints.7",): "`support-bot.endpoints` has 0 to 1",
        ("support-bot.url.x",): "`support-bot.url` has nothing: it is a single value",
        (
            "support-bot",
            "--raw",
        ): "`support-bot` is an object, and --raw prints one string, number or boolean",
    }
    for args, message in cases.items():
        result = cli("output", *args)
        assert result.code == 1 and message in result.err, (args, result.err)
        assert result.out == "" and "Traceback" not in result.err
    both = cli("output", "support-bot.url", "--raw", "--json")
    assert both.code == 1 and "exclusive" in both.err
    assert cli("output", "--raw").code == 1


def test_output_raw_in_a_shell_pipeline(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", STACK.split("  later:")[0])
    assert cli("apply", "--auto-approve").code == 0
    url = subprocess.run(
        [sys.executable, "-m", "infermod", "output", "support-bot.url", "--raw"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert url.returncode == 0 and url.stdout.startswith("https://") and url.stdout.count("\n") == 1
    assert url.stderr == ""
