"""Known credentials outside a model's `secret`: found, named by variable, and never quoted
by any message, even pasted inside a longer value or cut short by a message's quote."""

from __future__ import annotations

import json
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from infermod.config.credentials import known_credentials, misplaced, scrubbed
from infermod.config.load import load_config
from infermod.config.yamlsource import load_bytes
from infermod.findings import Finding
from tests.conftest import write

TOKEN = "hf_" + "Q7x" * 10  # 33 characters
BASE = "version: 1\nstack: s\ndeployments:\n  d:\n    model: x/y\n    node_type: L4\n    endpoints: [{public: true}]\n"


def loaded(text: str, env=None):
    return load_bytes("c.yaml", text.encode(), env or {})


def test_known_credentials_need_a_credential_s_length():
    env = {
        "HF_TOKEN": TOKEN,
        "GITLAB_TOKEN": "short77",
        "SCW_ACCESS_KEY": "SCWXXXXXXXXXXXXXXXXX",
        "OTHER": TOKEN + "x",
    }
    model = "version: 1\nstack: s\nmodels:\n  m: {source: a/m, type: chat, secret: literal-token-1}\n  n: {source: a/n, type: chat, secret: 1234567}\n"
    found = known_credentials([loaded(model)], env)
    assert found == {TOKEN: "HF_TOKEN", "literal-token-1": "the secret of `models.m`"}


def test_a_credential_anywhere_but_a_secret_is_named_never_shown():
    body = BASE.replace("    endpoints", f"    tags: [ok, 'x-{TOKEN}-y']\n    endpoints")
    one = loaded(body, {"HF_TOKEN": TOKEN})
    (f,) = misplaced([one], {TOKEN: "HF_TOKEN"})
    assert (f.rule_id, f.field, f.location.line) == ("secret-in-plain-field", "deployments.d.tags[1]", 7)
    assert "contains HF_TOKEN" in f.message and TOKEN not in f.format()
    assert (
        misplaced([loaded(BASE.replace("x/y", "'123'"))], {TOKEN: "HF_TOKEN"}) == []
    )  # numbers and the rest: no


def test_scrubbing_hides_whole_and_cut_credentials_in_messages_and_hints():
    found = [
        Finding("schema", "error", f"found 'x{TOKEN}' (string)", hint=f"not {TOKEN}"),
        Finding("schema", "error", f"found 'aaaa{TOKEN[:20]}...' (string)"),
        Finding("r", "info", "tokens like hf_ are fine"),
    ]
    got = scrubbed(found, {TOKEN: "HF_TOKEN"})
    assert [f.message for f in got] == [
        "found 'x(sensitive)' (string)",
        "found 'aaaa(sensitive)...' (string)",
        "tokens like hf_ are fine",
    ]
    assert got[0].hint == "not (sensitive)"


WORDISH = st.text(string.ascii_letters + string.digits + "_-", max_size=70)


@settings(max_examples=40, deadline=None)
@given(WORDISH, WORDISH, st.sampled_from(["quantization", "size", "context_size", "name"]))
def test_a_pasted_credential_never_reaches_a_message(tmp_path_factory, before, after, field):
    directory = tmp_path_factory.mktemp("c")
    body = BASE.replace("    endpoints", f"    {field}: '{before}{TOKEN}{after}'\n    endpoints")
    result = load_config([write(directory / "infermod.yaml", body)], {"HF_TOKEN": TOKEN})
    assert any(f.rule_id == "secret-in-plain-field" for f in result.findings)
    for f in result.findings:
        shown = f.format()
        assert not any(TOKEN[i : i + 8] in shown for i in range(len(TOKEN) - 7)), shown


def test_a_credential_in_a_file_name_is_an_error_and_never_shown(cli, scw_env, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    name = f"conf-{TOKEN}.yaml"
    write(
        tmp_path / name,
        BASE.replace("model: x/y", "model: meta/llama-3.1-8b-instruct:fp8\n    accept_eula: true"),
    )
    result = cli("plan", "-f", name, "--out", "plan.json")
    assert result.code == 1 and not (tmp_path / "plan.json").exists()
    assert "this file's name contains HF_TOKEN, a credential" in result.err, result.err
    assert TOKEN not in result.out + result.err
    result = cli("validate", "-f", name, "--format", "json")
    assert result.code == 1 and "secret-in-plain-field" in result.out and TOKEN not in result.out + result.err


def test_a_credential_spelt_with_escapes_or_an_unknown_tag_is_still_found():
    """The values are searched as the loader built them, not as the file spells them: an escape
    (\\x68 for `h`), a line continuation, or a tag the loader refuses still hide nothing."""
    escaped = '"\\x68' + TOKEN[1:15] + "\\\n      " + TOKEN[15:] + '"'
    for value in (escaped, f"!weird {TOKEN}"):
        body = BASE.replace("    endpoints", f"    name: {value}\n    endpoints")
        found = [f for f in misplaced([loaded(body)], {TOKEN: "HF_TOKEN"})]
        assert [(f.rule_id, f.field) for f in found] == [("secret-in-plain-field", "deployments.d.name")], (
            body
        )


def test_a_model_s_own_secret_is_no_misplaced_credential():
    body = "version: 1\nstack: s\nmodels:\n  m: {source: a/m, type: chat, secret: ${HF_TOKEN}}\n"
    one = loaded(body, {"HF_TOKEN": TOKEN})
    assert TOKEN not in "\0".join(one.texts)  # nothing to walk for
    assert misplaced([one], {TOKEN: "HF_TOKEN"}) == []


def test_a_schema_error_on_a_credential_says_nothing_of_its_length(cli, tmp_path, monkeypatch):
    """A length limit's message counts the characters it found: for a credential (a `secret`, or
    a token written where a duration belongs) that count would tell the token's length."""
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    write(
        tmp_path / "infermod.yaml",
        "version: 1\nstack: s\nmodels:\n"
        "  m: {source: a/m, type: chat, secret: '', timeouts: {create: '${HF_TOKEN}'}}\n"
        "  n: {source: a/n, type: chat, timeouts: {create: 'x${HF_TOKEN}y'}}\n",
    )
    result = cli("validate", "--format", "json")
    shown = {
        (f["field"], f["message"]) for f in json.loads(result.out)["findings"] if f["rule_id"] == "schema"
    }
    assert ("models.m.secret", "found a sensitive value, expected at least 1 character(s)") in shown
    assert ("models.m.timeouts.create", "found '(sensitive)', expected at most 20 characters") in shown
    assert ("models.n.timeouts.create", "found 'x(sensitive)y', expected at most 20 characters") in shown
    text = cli("validate").out
    assert "characters)" not in text + result.out and TOKEN not in text + result.out
    assert str(len(TOKEN)) not in text + result.out
