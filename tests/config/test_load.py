"""The configuration language: loading, interpolation, merging, and `infermod validate`."""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infermod.config.yamlsource import load_bytes
from infermod.rules.engine import load_checked_config
from tests.conftest import write
from tests.helpers import ROOT

EXAMPLES = str(ROOT / "examples")

GOOD = """\
version: 1
stack: team
defaults:
  region: nl-ams
  project_id: 11111111-1111-4111-8111-111111111111
  tags: [base]
deployments:
  bot:
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: L4
    size: ${SIZE:-2}
    accept_eula: true
    endpoints:
      - public: true
    tags: [extra]
"""


def test_examples_are_separate_configurations(cli):
    # each example owns its own stack: merged as one directory, their stacks conflict
    result = cli("validate", "-f", EXAMPLES, "--catalog", "snapshot")
    assert result.code == 1 and "`stack` is defined more than once" in result.out, result.out


def test_each_example_validates_alone(cli):
    for name in sorted(os.listdir(EXAMPLES)):
        result = cli("validate", "-f", os.path.join(EXAMPLES, name), "--catalog", "snapshot")
        assert result.code == 0, (name, result.out, result.err)


def test_defaults_inherit_and_interpolation_types(more_regions, tmp_path):
    path = write(tmp_path / "a.yaml", GOOD)
    result = load_checked_config([path], {})
    assert [f for f in result.findings if f.severity == "error"] == []
    bot = result.config.deployments[0]
    assert (bot.region, bot.project_id, bot.min_size, bot.max_size) == (
        "nl-ams",
        "11111111-1111-4111-8111-111111111111",
        2,
        2,
    )
    assert bot.tags == ("base", "extra")
    assert load_checked_config([path], {"SIZE": "3"}).config.deployments[0].min_size == 3


def test_every_kind_of_error_is_reported_at_once_with_file_and_line(cli, tmp_path):
    path = write(
        tmp_path / "bad.yaml",
        """\
version: 1
stack: team
models:
  ft:
    source: acme/model
    type: chat
    secret: ${HF_TOKEN_FOR_TEST}
deployments:
  one:
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: L4
    colour: red
    endpoints: [{public: true}]
  two:
    model: missing-model
    node_type: L4
    min_size: many
    endpoints: [{public: true}]
""",
    )
    result = cli("validate", "-f", path)
    assert result.code == 1
    out = result.out
    assert f"{path}:7:13: error: environment variable `HF_TOKEN_FOR_TEST` is not set" in out
    assert f"{path}:12:5: error: unknown key `colour`" in out
    assert f"{path}:17:5: error: found 'many' (string), expected integer" in out
    assert f"{path}:15:5: error: model `missing-model` is neither a key under `models:`" in out
    assert "Invalid:" in out


def test_json_output_is_stable(cli, tmp_path):
    path = write(
        tmp_path / "a.yaml",
        "version: 1\nstack: s\ndeployments:\n  x:\n    model: nope\n    node_type: L4\n    endpoints: [{public: true}]\n",
    )
    result = cli("validate", "-f", path, "--format", "json")
    body = json.loads(result.out)
    assert result.code == 1
    assert body["format_version"] == "1" and body["valid"] is False
    # one error: the unknown model is not reported again by the catalog check;
    # the info says which catalog the other checks used
    assert body["summary"] == {"error": 1, "warning": 0, "info": 1}
    [finding] = [f for f in body["findings"] if f["severity"] == "error"]
    assert finding["rule_id"] == "model-reference"
    assert finding["location"] == {"file": path, "line": 5, "column": 5}
    assert finding["field"] == "deployments.x.model"


def test_duplicate_keys_within_and_across_files(tmp_path):
    a = write(
        tmp_path / "d" / "a.yaml",
        "version: 1\nstack: s\nstack: t\ndeployments:\n  x: {model: a/b, node_type: L4, endpoints: [{public: true}]}\n",
    )
    b = write(
        tmp_path / "d" / "b.yml",
        "version: 1\ndeployments:\n  x: {model: a/b, node_type: L4, endpoints: [{public: true}]}\n",
    )
    result = load_checked_config([str(tmp_path / "d")], {})
    rules = sorted(
        (f.rule_id, f.location.file, f.location.line) for f in result.findings if f.severity == "error"
    )
    assert ("yaml-duplicate-key", a, 3) in rules
    assert ("duplicate-key", b, 3) in rules


def test_structural_rules(more_regions, tmp_path):
    path = write(
        tmp_path / "a.yaml",
        """\
version: 1
stack: s
models:
  ft: {source: acme/m, type: chat, region: pl-waw}
deployments:
  a:
    model: ft
    node_type: L4
    min_size: 1
    max_size: 2
    features: [function_calling]
    endpoints: [{public: true}, {public: true}]
  b:
    name: a
    model: x/y
    node_type: L4
    endpoints: [{private_network_id: 11111111-2222-3333-4444-555555555555}]
""",
    )
    rules = {f.rule_id for f in load_checked_config([path], {}).findings}
    assert {
        "size-autoscaling",
        "endpoint-duplicate",
        "model-region",
        "custom-model-features",
        "name-duplicate",
    } <= rules


def test_secret_is_sensitive_and_never_printed(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_supersecretvalue123")
    path = write(
        tmp_path / "a.yaml",
        "version: 1\nstack: s\nmodels:\n  m: {source: acme/m, type: chat, secret: '${HF_TOKEN}', extra: 1}\n",
    )
    result = cli("validate", "-f", path, "--format", "json")
    assert "hf_supersecretvalue123" not in result.out + result.err
    config = load_checked_config(
        [
            write(
                tmp_path / "b.yaml",
                "version: 1\nstack: s\nmodels:\n  m: {source: acme/m, type: chat, secret: '${HF_TOKEN}'}\n",
            )
        ]
    ).config
    assert str(config.models[0].secret) == "(sensitive)" and config.models[0].secret.origin == "env"
    assert "hf_supersecretvalue123" not in repr(config)


def test_missing_default_file_and_missing_path(cli):
    result = cli("validate")
    assert result.code == 1 and "no infermod.yaml in the current directory" in result.err
    result = cli("validate", "-f", "nope.yaml")
    assert result.code == 1 and "nope.yaml: no such file or directory" in result.err


def test_hostile_inputs_never_traceback(cli, tmp_path):
    cases = {
        "empty.yaml": b"",
        "binary.yaml": bytes(range(256)),
        "deep.yaml": b"[" * 5000,
        "bomb.yaml": b"a: &a [1,2,3,4,5,6,7,8,9]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
        "list.yaml": b"- 1\n- 2\n",
        "huge.yaml": b"a: " + b"x" * (6 * 1024 * 1024),
        "tabs.yaml": b"version: 1\n\tstack: x\n",
    }
    for name, body in cases.items():
        path = tmp_path / name
        path.write_bytes(body)
        result = cli("validate", "-f", str(path))
        assert result.code == 1, name
        assert "Traceback" not in result.out + result.err, name
        assert f"{path}:" in result.out, name


def test_schema_command_prints_the_shipped_schema(cli):
    result = cli("schema")
    assert result.code == 0
    assert json.loads(result.out) == json.loads((ROOT / "schemas" / "infermod.schema.json").read_text())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data):
    result = load_bytes("f.yaml", data, {})
    assert result.data is None or isinstance(result.data, dict)


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.sampled_from(["version", "stack", "defaults", "models", "deployments", "x"]),
        yaml_values,
        max_size=5,
    )
)
def test_arbitrary_yaml_documents_give_findings_not_tracebacks(tmp_path_factory, doc):
    import yaml

    path = tmp_path_factory.mktemp("fuzz") / "f.yaml"
    path.write_text(yaml.safe_dump(doc))
    result = load_checked_config([str(path)], {})
    assert result.config is not None or result.findings


def test_a_file_named_twice_is_read_once(more_regions, cli, tmp_path):
    """`-f deploy -f deploy/a.yaml` or `-f a.yaml -f ./a.yaml` reported every key of the file as
    defined twice, at the very same line."""
    write(tmp_path / "deploy" / "a.yaml", GOOD.replace("${SIZE:-2}", "2"))
    os.symlink("a.yaml", tmp_path / "deploy" / "same.yaml")
    for args in (["deploy", "deploy/a.yaml"], ["deploy/a.yaml", "./deploy/a.yaml"], ["deploy"]):
        result = cli("validate", "--catalog", "snapshot", *[x for a in args for x in ("-f", a)])
        assert result.code == 0 and "Valid: 1 file(s)" in result.out, (args, result.out)


def test_defaults_accept_eula_is_inherited_unless_a_deployment_sets_its_own(cli, tmp_path):
    deployment = (
        "    model: meta/llama-3.1-8b-instruct:fp8\n    node_type: L4\n    endpoints: [{public: true}]\n"
    )
    text = (
        "version: 1\nstack: team\ndefaults:\n  accept_eula: true\ndeployments:\n"
        f"  inherits:\n{deployment}  refuses:\n{deployment}    accept_eula: false\n"
    )
    write(tmp_path / "infermod.yaml", text)
    result = cli("validate", "--catalog", "snapshot", "--format", "json")
    eula = [f for f in json.loads(result.out)["findings"] if f["rule_id"] == "eula-required"]
    assert [f["resource"] for f in eula] == ["deployment.refuses"], result.out
    assert result.code == 1


def test_a_field_the_schema_let_through_is_a_finding_not_a_crash(cli, tmp_path, monkeypatch):
    # as if the schema lost an `additionalProperties: false`: the builder must neither crash
    # on `prevent_destory` ("internal error: TypeError") nor silently ignore `disable_auht`
    from infermod.config import load

    real = load.schema_findings
    monkeypatch.setattr(
        load, "schema_findings", lambda one: [f for f in real(one) if not f.message.startswith("unknown key")]
    )
    write(
        tmp_path / "infermod.yaml",
        "version: 1\nstack: team\ndefaults: {lifecycle: {prevent_destory: true}}\n"
        "models:\n  m: {source: a/b, type: chat, secrte: x}\ndeployments:\n  d:\n"
        "    model: meta/llama-3.1-8b-instruct:fp8\n    node_type: L4\n    accept_eula: true\n"
        "    endpoints: [{public: true, disable_auht: true}]\n    lifecycle: {prevent_destory: true}\n"
        "    replica: 2\n",
    )
    result = cli("validate", "--catalog", "snapshot", "--format", "json")
    assert result.code == 1 and "internal error" not in result.err, result.err
    found = {f["field"]: f for f in json.loads(result.out)["findings"] if f["rule_id"] == "unknown-field"}
    assert set(found) == {
        "defaults.lifecycle.prevent_destory",
        "models.m.secrte",
        "deployments.d.endpoints[0].disable_auht",
        "deployments.d.lifecycle.prevent_destory",
        "deployments.d.replica",
    }
    auth = found["deployments.d.endpoints[0].disable_auht"]
    assert (
        auth["severity"] == "error" and auth["location"]["line"] == 11 and auth["resource"] == "deployment.d"
    )
    assert "(did you mean `disable_auth`?)" in auth["message"]
    assert found["defaults.lifecycle.prevent_destory"]["resource"] is None


def test_unknown_keys_the_schema_reports_are_reported_once(cli, tmp_path):
    # two unknown keys in one object (the schema names both in one finding), one in an
    # endpoint, one under defaults: only the schema's findings, none added by the builder's guard
    write(
        tmp_path / "infermod.yaml",
        "version: 1\nstack: team\ndefaults: {acept_eula: true}\ndeployments:\n  d:\n"
        "    model: meta/llama-3.1-8b-instruct:fp8\n    node_type: L4\n    accept_eula: true\n"
        "    replica: 2\n    zone: a\n    endpoints: [{public: true, disable_auht: true}]\n",
    )
    result = cli("validate", "--catalog", "snapshot", "--format", "json")
    found = [f for f in json.loads(result.out)["findings"] if f["severity"] == "error"]
    assert sorted((f["rule_id"], f["field"]) for f in found) == [
        ("schema", "defaults.acept_eula"),
        ("schema", "deployments.d.endpoints[0].disable_auht"),
        ("schema", "deployments.d.replica"),
    ], result.out


def test_the_builders_guard_checks_every_key_and_every_resource(cli, tmp_path, monkeypatch):
    from infermod.config import load

    real = load.schema_findings
    monkeypatch.setattr(
        load, "schema_findings", lambda one: [f for f in real(one) if not f.message.startswith("unknown key")]
    )
    long_key = "x" * 50
    write(
        tmp_path / "infermod.yaml",
        "version: 1\nstack: team\nowner: me\ndeployments:\n  a: [not, a, mapping]\n  b:\n"
        "    model: meta/llama-3.1-8b-instruct:fp8\n    node_type: L4\n    accept_eula: true\n"
        f"    endpoints: [{{public: true}}]\n    qqqq: 1\n    {long_key}: 2\n"
        # `model` is missing here (the schema says so): a lifecycle key `model` is still unknown
        "  c: {node_type: L4, endpoints: [{public: true}], lifecycle: {model: x}}\n",
    )
    result = cli("validate", "--catalog", "snapshot", "--format", "json")
    found = {f["field"]: f for f in json.loads(result.out)["findings"] if f["rule_id"] == "unknown-field"}
    assert set(found) == {
        "owner",
        "deployments.b.qqqq",
        f"deployments.b.{long_key}",
        "deployments.c.lifecycle.model",
    }, result.out
    assert found["owner"]["resource"] is None and found["deployments.b.qqqq"]["resource"] == "deployment.b"
    assert found["deployments.b.qqqq"]["location"] == {"file": "infermod.yaml", "line": 11, "column": 5}
    assert found["deployments.b.qqqq"]["message"].startswith("unknown key `qqqq`; expected one of: name,")
    assert f"unknown key `{'x' * 40}`;" in found[f"deployments.b.{long_key}"]["message"]


def test_loading_pauses_the_cycle_collector_and_restores_it(tmp_path):
    import gc

    from infermod.config.load import load_config
    from tests.helpers import many

    path = write(tmp_path / "infermod.yaml", many(3))
    assert gc.isenabled()
    assert load_config([path]).config is not None and gc.isenabled()
    gc.disable()
    try:
        load_config([path])
        assert not gc.isenabled()  # a caller's own pause is kept
    finally:
        gc.enable()


def test_an_object_or_list_of_another_type_the_schema_let_through_is_a_finding_not_a_crash(
    cli, tmp_path, monkeypatch
):
    # as if the schema lost its `type`s: `{**5}` was "internal error: TypeError" in the builder
    from infermod.config import load

    monkeypatch.setattr(load, "schema_findings", lambda one: [])
    dep = "model: meta/llama-3.1-8b-instruct:fp8, node_type: L4, accept_eula: true"
    write(
        tmp_path / "infermod.yaml",
        "version: 1\nstack: team\ndefaults: {lifecycle: [a]}\nmodels:\n  m: 5\ndeployments:\n"
        f"  a: {{{dep}, endpoints: [{{public: true}}], lifecycle: 5}}\n"
        f"  b: {{{dep}, endpoints: [x]}}\n"
        f"  c: {{{dep}, endpoints: 5, tags: 5, timeouts: [1], features: x}}\n"
        "  d: 5\n",
    )
    result = cli("validate", "--catalog", "snapshot", "--format", "json")
    assert result.code == 1 and "internal error" not in result.err, result.err
    found = {f["field"]: f for f in json.loads(result.out)["findings"] if f["rule_id"] == "wrong-type"}
    assert set(found) == {
        "defaults.lifecycle",
        "models.m",
        "deployments.a.lifecycle",
        "deployments.b.endpoints[0]",
        "deployments.c.endpoints",
        "deployments.c.tags",
        "deployments.c.timeouts",
        "deployments.c.features",
        "deployments.d",
    }, result.out
    assert found["deployments.a.lifecycle"]["message"] == "found int, expected an object"
    assert found["deployments.c.tags"]["message"] == "found int, expected a list"
    assert found["deployments.b.endpoints[0]"]["resource"] == "deployment.b"
    assert found["deployments.a.lifecycle"]["location"]["line"] == 7


def test_the_schema_alone_reports_an_object_or_list_of_another_type(cli, tmp_path):
    write(
        tmp_path / "infermod.yaml",
        "version: 1\nstack: team\nmodels:\n  m: 5\ndeployments:\n  d:\n"
        "    model: meta/llama-3.1-8b-instruct:fp8\n    node_type: L4\n    endpoints: [x]\n    lifecycle: 5\n",
    )
    result = cli("validate", "--catalog", "snapshot", "--format", "json")
    found = json.loads(result.out)["findings"]
    assert "wrong-type" not in {f["rule_id"] for f in found}, result.out  # said once, by the schema
    assert {f["field"] for f in found if f["rule_id"] == "schema"} == {
        "deployments.d.endpoints[0]",
        "deployments.d.lifecycle",
        "models.m",
    }, result.out
