"""The Scaleway config file (~/.config/scw/config.yaml): a broken file or an unknown profile is
named as such, never reported as "credentials are not set", and never echoes a secret key.

HOME, XDG_CONFIG_HOME and SCW_CONFIG_PATH all point into the test's tmp dir."""

from __future__ import annotations

import pytest

from tests.conftest import ACCESS_KEY, PROJECT, SECRET_KEY, write

CONFIG = (
    "version: 1\nstack: s\ndeployments:\n  d:\n    model: meta/llama-3.1-8b-instruct:fp8\n"
    "    node_type: L4\n    accept_eula: true\n    endpoints: [{public: true}]\n"
)
OTHER_SECRET = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"


@pytest.fixture
def scw_file(tmp_path, monkeypatch, emulator):
    """Where the SDK looks, with the keys only in the file (the API URL from the environment)."""
    write(tmp_path / "infermod.yaml", CONFIG)
    path = tmp_path / "home" / "scw" / "config.yaml"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("SCW_CONFIG_PATH", str(path))
    monkeypatch.setenv("SCW_API_URL", emulator.url)
    return path


def profile(name: str = "", secret: str = SECRET_KEY, indent: str = "") -> str:
    head = f"{indent[:2]}{name}:\n" if name else ""
    return head + "".join(
        f"{indent}{k}: {v}\n"
        for k, v in (
            ("access_key", ACCESS_KEY),
            ("secret_key", secret),
            ("default_project_id", PROJECT),
            ("default_region", "fr-par"),
        )
    )


def failed(cli, *args):
    result = cli("plan", *args)
    assert result.code == 1 and "Traceback" not in result.err
    assert "credentials are not set" not in result.err
    assert SECRET_KEY not in result.err + result.out and OTHER_SECRET not in result.err + result.out
    return result.err


def test_a_good_file_and_its_named_profiles_work(cli, scw_file, monkeypatch):
    write(scw_file, profile() + "profiles:\n" + profile("dev", OTHER_SECRET, "    "))
    assert cli("plan").code == 0
    assert cli("plan", "--profile", "dev").code == 0
    monkeypatch.setenv("SCW_PROFILE", "dev")
    assert cli("plan").code == 0


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        # the line of the `[` never closed, not the end of the file where the parser stopped
        (f"access_key: {ACCESS_KEY}\nsecret_key: [{SECRET_KEY}\n", 2, "invalid YAML"),
        (
            f"access_key: {ACCESS_KEY}\nsecret_key: {SECRET_KEY}\n  default_region: : fr-par\n",
            3,
            "invalid YAML",
        ),
        (f"secret_key: {SECRET_KEY}\naccess_key: {ACCESS_KEY}\naccess_key: x\n", 3, "duplicate"),
        (f"- access_key: {ACCESS_KEY}\n- secret_key: {SECRET_KEY}\n", 1, "expected a mapping"),
        (f"access_key: {ACCESS_KEY}\nsecret_key: 12345\n", 2, "`secret_key` should be a string"),
        (f"access_key: [{ACCESS_KEY}]\nsecret_key: {SECRET_KEY}\n", 1, "`access_key` should be a string"),
        (profile() + "profiles: [dev, prod]\n", 5, "`profiles` should be a mapping"),
    ],
)
def test_a_broken_file_is_named_with_its_line(cli, scw_file, text, line, problem):
    write(scw_file, text)
    err = failed(cli)
    assert f"{scw_file}:{line}:" in err and problem in err, err


def test_wrong_types_in_the_chosen_profile(cli, scw_file):
    write(scw_file, profile() + "profiles:\n  dev:\n    secret_key: 7\n  ops: yes\n")
    err = failed(cli, "--profile", "dev")
    assert f"{scw_file}:7:" in err and "`secret_key` of profile `dev` should be a string" in err, err
    err = failed(cli, "--profile", "ops")
    assert f"{scw_file}:8:" in err and "profile `ops` should be a mapping" in err, err


@pytest.mark.parametrize("how", ["--profile", "SCW_PROFILE"])
def test_an_unknown_profile_lists_the_known_ones(cli, scw_file, monkeypatch, how):
    write(
        scw_file, profile() + "profiles:\n" + profile("prod", indent="    ") + profile("dev", indent="    ")
    )
    args = ("--profile", "staging") if how == "--profile" else ()
    if how == "SCW_PROFILE":
        monkeypatch.setenv("SCW_PROFILE", "staging")
    err = failed(cli, *args)
    assert f"Scaleway profile `staging` not found in {scw_file} (profiles: default, dev, prod)" in err, err


def test_an_unknown_profile_in_a_file_without_profiles(cli, scw_file):
    write(scw_file, profile())
    err = failed(cli, "--profile", "staging")
    assert f"Scaleway profile `staging` not found in {scw_file} (profiles: default)" in err, err


def test_the_xdg_config_file_is_the_one_named(cli, scw_file, tmp_path, monkeypatch):
    monkeypatch.delenv("SCW_CONFIG_PATH")
    path = write(tmp_path / "xdg" / "scw" / "config.yaml", f"secret_key: {SECRET_KEY}\naccess_key: 12\n")
    err = failed(cli)
    assert f"{path}:2:" in err and "`access_key` should be a string" in err, err
