"""Secrets: a value that never prints, a digest that notices a change, whole-word redaction."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infermod.secrets import MIN_SECRET_LENGTH, REDACTED, Secret, redact_text

TOKENS = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789_", min_size=MIN_SECRET_LENGTH, max_size=40
)
SEPARATORS = st.text(alphabet=" \n\t:=,;\"'()[]{}/.-", min_size=1, max_size=3)


def test_a_secret_prints_as_sensitive_however_it_is_formatted():
    secret = Secret("hf_abcdefgh12345678", "env:HF_TOKEN")
    shown = [str(secret), repr(secret), f"{secret}", f"{secret!r}", str([secret]), str({"t": secret})]
    assert all("hf_abcdefgh12345678" not in s and REDACTED in s for s in shown)
    assert json.dumps({"token": str(secret)}) == '{"token": "(sensitive)"}'
    assert secret.reveal() == "hf_abcdefgh12345678" and secret.origin == "env:HF_TOKEN"


def test_the_digest_tells_values_apart_without_containing_them():
    a, b = Secret("hf_abcdefgh12345678", "literal"), Secret("hf_abcdefgh12345679", "env:X")
    assert a.digest() != b.digest() and len(a.digest()) == 16
    assert "abcdefgh" not in a.digest()
    assert a == Secret("hf_abcdefgh12345678", "env:HF_TOKEN") and a != b and hash(a) != hash(b)


@given(secret=TOKENS, before=SEPARATORS, after=SEPARATORS, times=st.integers(1, 3))
def test_every_whole_occurrence_is_redacted(secret, before, after, times):
    text = ("error" + before + secret + after) * times
    redacted = redact_text(text, [secret])
    assert secret not in redacted
    assert redacted == ("error" + before + REDACTED + after) * times


@given(secret=TOKENS, glued=st.text(alphabet="abcXYZ019_", min_size=1, max_size=4))
def test_a_secret_inside_a_longer_word_is_not_cut_out(secret, glued):
    text = f"id={glued}{secret} and id={secret}{glued}"
    assert redact_text(text, [secret]) == text


def test_short_values_are_never_treated_as_secrets():
    text = "region fr-par, size 2, name a"
    assert redact_text(text, ["a", "2", "fr-par"]) == text
    assert redact_text("key=abcdefgh!", ["abcdefgh", "abc"]) == f"key={REDACTED}!"


def test_the_minimum_length_is_a_secret_and_one_less_is_not():
    text = "a=abcdefgh b=abcdefg"
    assert redact_text(text, ["abcdefgh", "abcdefg"]) == f"a={REDACTED} b=abcdefg"


def test_a_secret_that_contains_another_is_hidden_whole():
    # the longer value is tried first: the shorter one must not leave the longer one's tail
    longer, shorter = "hf_abcdefgh-ijklmnop", "hf_abcdefgh"
    for order in ([shorter, longer], [longer, shorter]):
        assert redact_text(f"t={longer} u={shorter}", order) == f"t={REDACTED} u={REDACTED}"


def test_secrets_are_equal_only_with_the_same_value():
    a, b = Secret("hf_aaaaaaaa", "env:HF_TOKEN"), Secret("hf_bbbbbbbb", "env:HF_TOKEN")
    assert a != b and b != a and a == Secret("hf_aaaaaaaa", "literal")


def test_no_credential_known_means_no_walk_over_the_values(tmp_path, monkeypatch):
    """validate without credentials (no SCW_SECRET_KEY, no HF_TOKEN, no model secret) does not
    visit every value of the configuration looking for one; with credentials set, the values
    are walked only when one of them holds a credential, which is then found and named."""
    from infermod.config import credentials
    from infermod.config.load import load_config
    from tests.helpers import many

    visited = []
    original = credentials._leaves

    def counting(data, path):
        visited.append(path)
        return original(data, path)

    monkeypatch.setattr(credentials, "_leaves", counting)
    path = tmp_path / "infermod.yaml"
    path.write_text(many(50))
    load_config([str(path)])
    assert visited == []
    token = "hf_abcdefghijklmnopqrstuvwxyz"
    monkeypatch.setenv("HF_TOKEN", token)
    load_config([str(path)])
    assert visited == []  # a credential to look for, in no value: nothing to walk
    path.write_text(many(50).replace("node_type: L4", f"node_type: L4\n    name: x{token}", 1))
    result = load_config([str(path)])
    assert visited  # one value holds it: the values are walked to say which
    (found,) = [f for f in result.findings if f.rule_id == "secret-in-plain-field"]
    assert found.field.endswith(".name") and "HF_TOKEN" in found.message and token not in found.format()


def test_credentials_in_a_broken_lines_excerpt_are_hidden_in_output_and_reports(tmp_path):
    """A token pasted into the wrong place is when quoting breaks: the YAML error's excerpt
    quotes that very line, in the terminal, the CI log and the JUnit report. A fresh process,
    so that no earlier run registered the values."""
    import subprocess
    import sys

    key, token = "9f8e7d6c-5b4a-4321-8765-0123456789ab", "hf_SuperSecretToken1234567890abcdEF"
    (tmp_path / "a.yaml").write_text(f'version: 1\nstack: x\ndeployments:\n  a:\n    tags: [{key}, "\n')
    (tmp_path / "b.yaml").write_text(
        f"version: 1\nstack: x\ndeployments:\n  a:\n    description {token}\n"
    )  # no colon
    env = {"PATH": "/usr/bin:/bin", "SCW_SECRET_KEY": key, "HF_TOKEN": token, "HOME": str(tmp_path)}
    for name in ("a.yaml", "b.yaml"):
        run = subprocess.run(
            [sys.executable, "-m", "infermod", "validate", "-f", name, "--junit", "j.xml"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        shown = run.stdout + run.stderr + (tmp_path / "j.xml").read_text()
        assert run.returncode == 1 and REDACTED in shown, shown
        assert name != "a.yaml" or ("invalid YAML" in shown and "5 |     tags: [" in shown)  # the excerpt
        assert key not in shown and token not in shown
    # before any file is read: a token pasted as an option's value is quoted back by click
    for value in (key, token):
        run = subprocess.run(
            [sys.executable, "-m", "infermod", "validate", "--fail-on", value],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert run.returncode == 1 and "--fail-on" in run.stderr and REDACTED in run.stderr, run.stderr
        assert value not in run.stdout + run.stderr


HF_SHAPED = "hf_QWERTYUIOPASDFGHJKLZXCVBNM123456"  # set nowhere: known by its shape alone


def _quickstart(tmp_path, extra: str = "", tags: str = "[managed-by-infermod]") -> None:
    from tests.conftest import write

    write(
        tmp_path / "infermod.yaml",
        "version: 1\nstack: sec\n"
        + extra
        + "models:\n  ft:\n    source: https://huggingface.co/acme/support-bot-8b\n    type: chat\n"
        "    secret: ${ACME_TOKEN}\n"
        "deployments:\n  chat:\n    model: meta/llama-3.1-8b-instruct:fp8\n    node_type: L4\n"
        f"    accept_eula: true\n    tags: {tags}\n    endpoints: [{{public: true}}]\n",
    )


def test_a_token_known_by_its_shape_in_a_value_is_refused_whatever_the_environment(
    cli, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ACME_TOKEN", "hf_TheEnvironmentsOwnToken000000000001")
    for name in ("HF_TOKEN", "GITLAB_TOKEN", "CI_JOB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for token, called in (
        (HF_SHAPED, "a Hugging Face token"),
        ("glpat-abcdefghijklmnopqrst", "a GitLab token"),
    ):
        _quickstart(tmp_path, tags=f'["{token}"]')
        result = cli("plan", "--sandbox", "--out", "p.json")
        assert result.code == 1 and f"this value contains {called}, a credential" in result.err, result.err
        assert "deployments.chat.tags[0]" in result.err and token not in result.out + result.err
        assert not (tmp_path / "p.json").exists()


@pytest.mark.parametrize(
    ("extra", "secret", "line"),
    [
        ("# old key, rotate later: {key}\n", "${HF_TOKEN}", 3),  # the environment's key in a comment
        (f"# hf: {HF_SHAPED}\n", "${HF_TOKEN}", 3),  # a token's shape in a comment
        ("", "${ACME_TOKEN:-hf_DefaultLiteralToken0000000000001}", 7),  # a token as a default
    ],
)
def test_a_credential_anywhere_in_the_text_keeps_it_out_of_a_plan_file(
    cli, tmp_path, monkeypatch, extra, secret, line
):
    key = "9f8e7d6c-5b4a-4321-8765-0123456789ab"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCW_SECRET_KEY", key)
    if secret == "${HF_TOKEN}":  # --sandbox reads no credential variable: another name
        secret = "${ACME_TOKEN}"
        monkeypatch.setenv("ACME_TOKEN", "hf_TheEnvironmentsOwnToken000000000001")
    else:
        monkeypatch.delenv("ACME_TOKEN", raising=False)
    _quickstart(tmp_path, extra.format(key=key))
    path = tmp_path / "infermod.yaml"
    path.write_text(path.read_text().replace("${ACME_TOKEN}", secret))
    result = cli("plan", "--sandbox", "--out", "p.json")
    assert result.code == 1, result.err
    assert (
        f"infermod.yaml:{line} holds a credential" in result.err and "no plan file was written" in result.err
    )
    assert not (tmp_path / "p.json").exists()
    assert key not in result.err and "hf_" not in result.err
    assert cli("plan", "--sandbox").code == 0  # only saving is refused: the plan itself shows nothing
