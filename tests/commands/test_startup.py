"""Start-up: a command loads only what it needs (the benchmark measures the time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ACCESS_KEY, PROJECT, SECRET_KEY, write

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# the SDK's Product Catalog module: the largest it has, imported only to read prices
PRODUCTS = "scaleway.product_catalog.v2alpha1"
# hashlib: OpenSSL's, loaded by a digest (a saved plan, a custom model's name) or by the HTTP stack
HEAVY = [
    "scaleway",
    "scaleway_core",
    "requests",
    "yaml",
    "jsonschema",
    "deepdiff",
    "tabulate",
    PRODUCTS,
    "hashlib",
]
# what a command that reads the configuration and the API loads
READ_BOTH = ["scaleway", "scaleway_core", "requests", "yaml"]
PROBE = """
import json, sys
from infermod.cli import main
code = main(sys.argv[2:])
heavy = json.loads(sys.argv[1])
print(json.dumps({"code": code, "loaded": [m for m in heavy if m in sys.modules]}))
"""


def run_probe(tmp_path, *argv: str, env: dict[str, str] | None = None) -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SCW_", "XDG_"))}
    clean["HOME"] = str(tmp_path)  # no ~/.config/scw/config.yaml: no credentials anywhere
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(HEAVY), *argv],
        env={**clean, **(env or {})},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_help_loads_no_yaml_sdk_or_http_stack(tmp_path):
    assert run_probe(tmp_path, "--help") == {"code": 0, "loaded": []}


def test_validate_without_credentials_loads_no_sdk_http_stack_or_jsonschema(tmp_path):
    result = run_probe(tmp_path, "validate", "-f", os.path.join(ROOT, "examples", "quickstart.yaml"))
    assert result == {"code": 0, "loaded": ["yaml"]}


def test_a_file_with_problems_still_gets_jsonschema_messages(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "version: 1\nstack: demo\ndeployments:\n  chat:\n    model: m\n    node_type: L4\n    endpoints: []\n"
    )
    result = run_probe(tmp_path, "validate", "-f", str(bad))
    assert result["code"] == 1 and result["loaded"] == ["yaml", "jsonschema"]


# what a command that does not use them must not load: difflib (click's suggestions, when it
# looks `-f` up as a long option), the option parsers of other commands' options, the deadline
# of commands with --timeout, and stdlib modules the schema and catalog files were read with
UNUSED_BY_VALIDATE = [
    "difflib",
    "pkgutil",
    "copy",
    "encodings.utf_8_sig",
    "infermod.commands.parsing",
    "infermod.scw.deadline",
    "infermod.commands.plan",
]
BUILT = """
import json, sys
from infermod.cli import cli, main
code = main(sys.argv[2:])
watched = json.loads(sys.argv[1])
print(json.dumps({"code": code, "built": sorted(cli.commands), "loaded": [m for m in watched if m in sys.modules]}))
"""


def run_built(tmp_path, *argv: str) -> dict[str, object]:
    """The probe for the commands click built and what of UNUSED_BY_VALIDATE was loaded."""
    # and the shipped catalog as it is: the suite's overlay is merged through a deep copy
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SCW_", "XDG_", "INFERMOD_"))}
    out = subprocess.run(
        [sys.executable, "-c", BUILT, json.dumps(UNUSED_BY_VALIDATE), *argv],
        env={**clean, "HOME": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_validate_builds_only_its_own_command_and_loads_nothing_it_does_not_use(tmp_path):
    quickstart = os.path.join(ROOT, "examples", "quickstart.yaml")
    assert run_built(tmp_path, "validate", "-f", quickstart) == {
        "code": 0,
        "built": ["validate"],
        "loaded": [],
    }
    # --file alike, and a file with a byte-order mark
    with open(quickstart, "rb") as fh:
        (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbf" + fh.read())
    result = run_built(tmp_path, "validate", "--file", "bom.yaml")
    assert result == {"code": 0, "built": ["validate"], "loaded": []}


def test_help_and_a_mistyped_command_build_every_command(tmp_path):
    everything = [
        "apply",
        "check-model",
        "destroy",
        "emulator",
        "import",
        "output",
        "plan",
        "schema",
        "show",
        "validate",
    ]
    assert run_built(tmp_path, "--help")["built"] == everything
    # click suggests a name among the commands it has: all of them
    result = run_built(tmp_path, "valdate")
    assert result["built"] == everything and "difflib" in result["loaded"]


def applied(tmp_path, emulator, cli, monkeypatch) -> tuple[str, dict[str, str]]:
    """One deployment applied to the emulator; its config file and the probe's environment."""
    env = {
        "SCW_ACCESS_KEY": ACCESS_KEY,
        "SCW_SECRET_KEY": SECRET_KEY,
        "SCW_API_URL": emulator.url,
        "SCW_DEFAULT_PROJECT_ID": PROJECT,
        "SCW_DEFAULT_REGION": "fr-par",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    config = write(
        tmp_path / "infermod.yaml",
        "version: 1\nstack: s\ndeployments:\n  chat:\n    model: meta/llama-3.1-8b-instruct:fp8\n"
        "    node_type: L4\n    accept_eula: true\n    endpoints: [{public: true}]\n",
    )
    assert cli("apply", "--auto-approve", "-f", config).code == 0
    return config, env


def test_an_unchanged_plan_loads_no_jsonschema_deepdiff_or_tabulate(tmp_path, emulator, cli, monkeypatch):
    config, env = applied(tmp_path, emulator, cli, monkeypatch)
    result = run_probe(tmp_path, "plan", "-f", config, "--detailed-exitcode", env=env)
    # the SDK reads the state (urllib3 loads hashlib); nothing a changed plan, a table or a broken file needs
    assert result == {"code": 0, "loaded": [*READ_BOTH, PRODUCTS, "hashlib"]}


def test_output_reads_no_prices_so_loads_no_product_catalog_module(tmp_path, emulator, cli, monkeypatch):
    config, env = applied(tmp_path, emulator, cli, monkeypatch)
    result = run_probe(tmp_path, "output", "-f", config, env=env)
    # its table is drawn by tabulate
    assert result == {"code": 0, "loaded": [*READ_BOTH, "tabulate", "hashlib"]}


IMPORT_ALL = """
import importlib, json, pkgutil, re, sys
import infermod

compiled = []
original = re._compile


def spy(pattern, flags):
    caller = sys._getframe(1)
    while caller is not None and caller.f_globals.get("__name__", "").split(".")[0] == "re":
        caller = caller.f_back
    module = caller.f_globals.get("__name__", "") if caller is not None else ""
    if module.split(".")[0] == "infermod" and caller.f_code.co_name == "<module>":
        compiled.append(f"{module}: {pattern!r}")
    return original(pattern, flags)


re._compile = spy
for info in pkgutil.walk_packages(infermod.__path__, "infermod."):
    if not info.name.endswith("__main__"):
        importlib.import_module(info.name)
print(json.dumps(compiled))
"""


def test_no_module_compiles_a_regular_expression_when_imported(tmp_path):
    """Every infermod module imported: none compiles a pattern at import (infermod/lazyre.py)."""
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []


ENTRY = """
import gc, json, sys


class Spy:  # notes the collector's thresholds when click is imported
    def find_spec(self, name, path=None, target=None):
        if name == "click":
            print(json.dumps(list(gc.get_threshold())))


sys.meta_path.insert(0, Spy())
sys.argv = ["infermod", "--version"]
from infermod.__main__ import main
sys.exit(main())
"""


def test_the_entry_raises_the_collector_s_thresholds_before_click_is_imported(tmp_path):
    from infermod import GC_THRESHOLDS, __version__

    out = subprocess.run(
        [sys.executable, "-c", ENTRY], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert json.loads(out[0]) == list(GC_THRESHOLDS) and out[1] == f"infermod, version {__version__}"
