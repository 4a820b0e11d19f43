"""Bad and hostile configuration input: findings with file:line, bounded cost, no secret shown."""

from __future__ import annotations

import json
import re
import sys

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infermod.config.load import load_config
from infermod.secrets import redact_text
from tests.conftest import write

BASE = """\
version: 1
stack: s
models:
  m:
    source: acme/model
    type: chat
deployments:
  d:
    model: m
    node_type: L4
    size: 1
    endpoints: [{public: true}]
"""
FIELDS = {  # a field's line in BASE, and how to replace its value
    "stack": 2,
    "models.m.source": 5,
    "models.m.type": 6,
    "deployments.d.model": 9,
    "deployments.d.node_type": 10,
    "deployments.d.size": 11,
}


def with_value(field: str, value: str) -> str:
    lines = BASE.splitlines()
    number = FIELDS[field]
    key = lines[number - 1].split(":")[0]
    lines[number - 1] = f"{key}: {value}"
    return "\n".join(lines) + "\n"


def validate(cli, tmp_path, text: str, *extra: str):
    write(tmp_path / "infermod.yaml", text)
    return cli("validate", "--catalog", "snapshot", *extra)


LOCATED = re.compile(r"^infermod\.yaml:(\d+):\d+: error: ", re.MULTILINE)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("deployments.d.model", "[a, b]", "expected string"),
        ("deployments.d.model", "{a: 1}", "expected string"),
        ("deployments.d.size", "1" + "0" * 5000, "too many digits"),
        ("deployments.d.node_type", "!!timestamp nope", "not a valid timestamp"),
        ("deployments.d.node_type", "!!bool nope", "not a valid boolean"),
        ("deployments.d.size", "!!int 12x", "not a valid integer"),
        ("stack", "!!python/object:os.system ls", "unsupported tag"),
        ("models.m.type", "!!binary aGk=", "unsupported tag"),
        ("deployments.d.node_type", "!!python/object:os.system {a: 1}", "unsupported tag"),
        ("deployments.d.node_type", "!!set {a}", "expected string"),
    ],
)
def test_bad_values_are_findings_at_their_line(cli, tmp_path, field, value, words):
    result = validate(cli, tmp_path, with_value(field, value))
    assert result.code == 1 and "internal error" not in result.out + result.err
    lines = [int(n) for n in LOCATED.findall(result.out)]
    assert FIELDS[field] in lines, result.out
    assert words in result.out


def test_names_are_anchored_at_the_very_end(cli, tmp_path):
    text = BASE.replace("stack: s", 'stack: "s\\n"').replace("  d:\n", '  "d\\n":\n')
    result = validate(cli, tmp_path, text)
    assert result.code == 1
    assert {2, 8} <= {int(n) for n in LOCATED.findall(result.out)}


@pytest.mark.parametrize(
    ("env", "field", "expected"),
    [
        ({"V": "010"}, "node_type", "010"),
        ({"V": "L4 #x"}, "node_type", "L4 #x"),
        ({"V": "true"}, "node_type", "true"),
        ({"V": " 3"}, "min_size", 3),
        ({"V": "010"}, "min_size", 10),
    ],
)
def test_interpolated_values_take_the_type_of_their_field(tmp_path, env, field, expected):
    yaml_key = "size" if field == "min_size" else field
    text = BASE.replace(f"    {yaml_key}: ", f"    {yaml_key}: ${{V}}\n    x-old-{yaml_key}: ", 1)
    text = re.sub(r"\n    x-old-[a-z_]+: .*", "", text)
    result = load_config([write(tmp_path / "c.yaml", text)], env)
    assert [f for f in result.findings if f.severity == "error"] == []
    assert getattr(result.config.deployments[0], field) == expected


def test_interpolated_text_where_a_number_is_wanted_is_located(tmp_path):
    text = BASE.replace("size: 1", "size: ${V}")
    result = load_config([write(tmp_path / "c.yaml", text)], {"V": "L4 #x"})
    error = next(f for f in result.findings if f.severity == "error")
    assert (error.location.line, error.field) == (
        11,
        "deployments.d.size",
    ) and "expected integer" in error.message


def test_unclosed_interpolations_are_linear(tmp_path):
    text = "version: 1\nstack: s\ndefaults:\n  tags: ['" + "${" * 50_000 + "']\n"
    result = load_config([write(tmp_path / "c.yaml", text)], {})
    assert ("env-syntax", 4) in [(f.rule_id, f.location.line) for f in result.findings]
    assert all(len(f.message) < 300 for f in result.findings)


def many_errors(n: int) -> str:
    """The reviewer's F14 file: each deployment with four schema errors, an unknown key and
    `endpoints: {}` (an object where a list is wanted)."""
    lines = ["version: 1", "stack: errs", "deployments:"]
    for i in range(n):
        lines += [f"  e{i}:", "    model: 5", "    node_type: [x]", "    size: -1"]
        lines += ["    quantization: 7", "    bogus: 1", "    bogus2: 1", "    endpoints: {}"]
    return "\n".join(lines) + "\n"


def test_validate_work_grows_linearly_with_the_number_of_errors(cli, tmp_path):
    # Python calls made by `infermod validate` over files of 300, 600 and 900 erroneous
    # deployments: each further 300 costs the same. Comparing each wrong shape or unknown key
    # with every earlier error made the second step cost 5/3 of the first (a 1 MB file took
    # a minute of CPU); benchmarks/loader_scale.py has the times.
    def calls(n: int) -> int:
        path = write(tmp_path / f"e{n}.yaml", many_errors(n))
        count = 0

        def profile(frame: object, event: str, arg: object) -> None:
            nonlocal count
            count += event in ("call", "c_call")

        sys.setprofile(profile)
        try:
            result = cli("validate", "--catalog", "snapshot", "-f", path)
        finally:
            sys.setprofile(None)
        assert result.code == 1 and f"{6 * n} error(s)" in result.out
        return count

    calls(10)  # what is done once (compiled patterns, imports) is not counted below
    first, second, third = (calls(n) for n in (300, 600, 900))
    assert third - second < 1.1 * (second - first), (first, second, third)


def test_alias_expansion_of_large_values_is_bounded(cli, tmp_path):
    big = "y" * 100_000
    deployments = "".join(
        f"  d{i}: {{model: *big, node_type: L4, endpoints: [{{public: true}}]}}\n" for i in range(300)
    )
    text = f"version: 1\nstack: s\ndefaults:\n  tags: [&big '{big}']\ndeployments:\n{deployments}"
    result = validate(cli, tmp_path, text)
    assert result.code == 1 and "aliases expand" in result.out and len(result.out) < 2000


def test_messages_quote_at_most_a_little_of_a_large_value(cli, tmp_path):
    result = validate(cli, tmp_path, with_value("deployments.d.node_type", "'" + "z" * 100_000 + "'"))
    assert result.code == 1 and "100000 characters" in result.out and len(result.out) < 2000


@pytest.mark.parametrize("fmt", ["text", "json", "codequality"])
def test_unquoted_numeric_token_is_never_shown(cli, tmp_path, fmt):
    text = BASE.replace("    type: chat\n", "    type: chat\n    secret: 12345678901234567890\n")
    extra = (
        ("--codequality", "cq.json") if fmt == "codequality" else ("--format", fmt) if fmt == "json" else ()
    )
    result = validate(cli, tmp_path, text, *extra)
    shown = result.out + result.err + ((tmp_path / "cq.json").read_text() if fmt == "codequality" else "")
    assert result.code == 1 and "models.m.secret" in shown
    assert "12345678901234567890" not in shown and "1234567890" not in shown


def test_secret_inside_a_wrong_container_is_never_shown(cli, tmp_path):
    text = BASE.replace(
        "models:\n  m:\n    source: acme/model\n    type: chat\n", "models: [{secret: hf_abcdefghijklmnop}]\n"
    )
    result = validate(cli, tmp_path, text, "--format", "json")
    assert "hf_abcdefghijklmnop" not in result.out
    assert json.loads(result.out)["valid"] is False


def test_redaction_replaces_whole_secret_values_only():
    text = "model m: a token was refused; see https://x/?t=hf_TOKENVALUE123 and hf_TOKENVALUE1234"
    assert redact_text(text, ["m", "a", "1234"]) == text
    assert redact_text(text, ["hf_TOKENVALUE123"]) == text.replace("=hf_TOKENVALUE123 ", "=(sensitive) ")


def test_short_environment_secret_does_not_garble_output(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("T", "e")
    text = BASE.replace("    type: chat\n", "    type: chat\n    secret: ${T}\n")
    result = validate(cli, tmp_path, text)
    assert "(sensitive)" not in result.out and "Valid" in result.out


def test_swapped_scaleway_keys_are_named_never_echoed(cli, tmp_path, monkeypatch):
    access, secret = "SCWABCDEFGHIJKLMNOPQ", "9f8e7d6c-5b4a-4321-8765-0123456789ab"
    monkeypatch.setenv("SCW_ACCESS_KEY", secret)
    monkeypatch.setenv("SCW_SECRET_KEY", access)
    monkeypatch.setenv("SCW_DEFAULT_PROJECT_ID", "11111111-1111-4111-8111-111111111111")
    write(
        tmp_path / "infermod.yaml",
        BASE.replace("m\n    node_type", "meta/llama-3.1-8b-instruct:fp8\n    node_type"),
    )
    result = cli("plan")
    assert result.code == 1 and "swapped" in result.err
    assert (
        "SCW_ACCESS_KEY" in result.err and secret not in result.err + result.out and access not in result.err
    )
    monkeypatch.setenv("SCW_ACCESS_KEY", "not-a-key-but-long")
    monkeypatch.setenv("SCW_SECRET_KEY", secret)
    result = cli("plan")
    assert "SCW_ACCESS_KEY is not an access key" in result.err and "not-a-key-but-long" not in result.err


# --- property-based: any document, any value in any field ---------------------------------

SCALARS = st.one_of(
    st.sampled_from(
        [
            "~",
            "''",
            "!!bool nope",
            "!!timestamp x",
            "!!int 0x",
            "!!float x",
            "!!binary aGk=",
            "!!set {a}",
            "1" + "0" * 4400,
            "-1",
            ".nan",
            "1e999",
            "0o17",
            "010",
            "${X}",
            "${X:-5}",
            "${",
            "$${x}",
            "${A B}",
            "[a]",
            "{a: 1}",
            "*nope",
            "&a [1]",
            "!custom x",
            "'a\\n'",
            '"d\\n"',
            "yes",
            "2001-01-01",
        ]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12).map(json.dumps),
    st.integers(-(10**30), 10**30).map(str),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(st.sampled_from(sorted(FIELDS)), SCALARS), min_size=1, max_size=3))
def test_any_bad_value_gives_located_findings(cli, tmp_path, changes):
    text = BASE
    for field, value in dict(changes).items():
        text = with_value_in(text, field, value)
    result = validate(cli, tmp_path, text)
    assert "internal error" not in result.out + result.err and result.code in (0, 1)
    if result.code == 1:
        assert LOCATED.search(result.out), result.out


def with_value_in(text: str, field: str, value: str) -> str:
    lines = text.splitlines()
    key = lines[FIELDS[field] - 1].split(":")[0]
    lines[FIELDS[field] - 1] = f"{key}: {value}"
    return "\n".join(lines) + "\n"


@settings(max_examples=80, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=15,
    )
)
def test_any_yaml_document_loads_without_raising(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("c") / "c.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "stack": "s", "deployments": {"d": data}}))
    result = load_config([str(path)], {})
    assert all(f.location is not None for f in result.findings if f.severity == "error")


def test_fifo_or_device_as_configuration_does_not_hang(cli, tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.yaml")
    for path in (str(tmp_path / "pipe.yaml"), "/dev/zero"):
        result = cli("validate", "--catalog", "snapshot", "-f", path)
        assert result.code == 1 and "not a regular file" in result.out


def test_malformed_sensitive_value_is_not_quoted(cli, tmp_path):
    text = BASE.replace("    type: chat\n", "    type: chat\n    secret: !!int 98765432109876x\n")
    result = validate(cli, tmp_path, text)
    assert result.code == 1 and "98765432109876" not in result.out and "(sensitive)" in result.out


def test_each_missing_key_is_named(cli, tmp_path):
    result = validate(cli, tmp_path, "version: 1\nstack: s\ndeployments:\n  d: {name: x}\n")
    for key in ("model", "node_type", "endpoints"):
        assert f"`{key}` is required" in result.out


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("node_type: L4", 'node_type: "L4\\e[2J\\e[H"', 10),  # would clear the reader's terminal
        ("model: m", 'model: "m\\rPlan: 0 to add"', 9),  # would overwrite the line in a CI log
        ("size: 1", 'size: 1\n    tags: ["ok", "a\\x9b31m"]', 12),  # C1 control (CSI)
        ("  d:", '  "d\\e]0;x\\a":', 8),  # in a key
        ("size: 1", 'size: 1\n    tags: ["prod\\u202e"]', 12),  # right-to-left override
        ("size: 1", 'size: 1\n    tags: ["prod\\u200b"]', 12),  # zero-width space: reads as `prod`
        ("  d:\n", '  d:\n    name: "bot\\ufeff"\n', 9),  # a BOM inside a value
    ],
)
def test_control_characters_are_located_errors_never_echoed(cli, tmp_path, old, new, line):
    result = validate(cli, tmp_path, BASE.replace(old, new))
    assert result.code == 1
    assert line in {int(n) for n in LOCATED.findall(result.out)}, result.out
    assert re.search("(control|invisible) character U[+]", result.out), result.out
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e\u200b\ufeff]", result.out + result.err)


SCW_SECRET = "9f8e7d6c-5b4a-4321-8765-0123456789ab"
HF_SECRET = "hf_aBcDeFgHiJkLmNoPqRsTuV"


@pytest.mark.parametrize(
    ("old", "new", "line", "variable"),
    [
        ("size: 1", 'size: 1\n    tags: [ok, "${HF_TOKEN}"]', 12, "HF_TOKEN"),
        ("  d:\n", "  d:\n    name: ${SCW_SECRET_KEY}\n", 9, "SCW_SECRET_KEY"),
        ("stack: s", f"stack: s\ndefaults:\n  tags: [x-{HF_SECRET}]", 4, "HF_TOKEN"),  # pasted, not ${}
        ("type: chat", "type: chat\n    secret: ${HF_TOKEN}\n    region: ${HF_TOKEN}", 8, "HF_TOKEN"),
    ],
)
def test_a_credential_outside_secret_is_a_located_error_never_shown(
    cli, tmp_path, monkeypatch, old, new, line, variable
):
    """A token in `tags` or an API key as a `name` would be printed in every plan, stored in
    plan files and sent to Scaleway as plain text."""
    monkeypatch.setenv("SCW_SECRET_KEY", SCW_SECRET)
    monkeypatch.setenv("HF_TOKEN", HF_SECRET)
    result = validate(cli, tmp_path, BASE.replace(old, new, 1), "--format", "json")
    assert result.code == 1
    shown = result.out + result.err
    assert SCW_SECRET not in shown and HF_SECRET not in shown
    found = [f for f in json.loads(result.out)["findings"] if f["rule_id"] == "secret-in-plain-field"]
    assert [(f["location"]["line"], variable in f["message"]) for f in found] == [(line, True)]


def test_a_model_secret_where_it_belongs_is_fine(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", HF_SECRET)
    result = validate(cli, tmp_path, BASE.replace("type: chat", "type: chat\n    secret: ${HF_TOKEN}"))
    assert "secret-in-plain-field" not in result.out


def test_a_raw_control_character_is_located_at_its_line(cli, tmp_path):
    """YAML refuses it before any value exists: the error said 1:1 and "position 51"."""
    result = validate(cli, tmp_path, BASE.replace("node_type: L4", "node_type: L4\x1b[2J"))
    assert result.code == 1
    assert "infermod.yaml:10:18: error: invalid YAML: the non-printable character U+001B" in result.out, (
        result.out
    )
    assert "\x1b" not in result.out and "position" not in result.out


@pytest.mark.parametrize("key", ["..", "a.b", "."])
def test_a_key_with_dots_and_missing_fields_is_findings_not_an_internal_error(cli, tmp_path, key):
    """Found by test_arbitrary_yaml_documents_give_findings_not_tracebacks: `deployments: {'..': {}}`
    gave "internal error: KeyError: 'model'" (the dotted key hid which fields were missing)."""
    result = validate(
        cli, tmp_path, f"version: 1\nstack: s\ndeployments:\n  '{key}': {{}}\nmodels:\n  '{key}': {{}}\n"
    )
    assert result.code == 1 and "internal error" not in result.out + result.err
    assert "`model` is required" in result.out and "`source` is required" in result.out
    assert "model-unknown" not in result.out  # nothing is checked against a placeholder


def test_a_directory_given_with_f_is_read_alone_not_through_its_links(cli, tmp_path):
    """`-f infra` must not read ~/.aws/credentials linked in as infra/aws.yaml (and quote its
    lines in an error); a link within the directory is fine; the file alone, given with its own
    -f, is read as asked."""
    outside = tmp_path / "awscreds"
    outside.write_text("[default]\naws_secret_access_key = wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY\n")
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "main.yaml").write_text(BASE)
    (infra / "same.yml").symlink_to("main.yaml")  # inside: read once, as main.yaml
    assert cli("validate", "-f", str(infra)).code == 0
    (infra / "aws.yaml").symlink_to(outside)
    result = cli("validate", "-f", str(infra))
    assert result.code == 1 and f"aws.yaml: a symbolic link to {outside}, outside" in result.err, result.err
    assert "wJalr" not in result.out + result.err
    assert "wJalr" not in (given := cli("validate", "-f", str(infra / "main.yaml"), "-f", str(outside))).out
    assert given.code == 1
