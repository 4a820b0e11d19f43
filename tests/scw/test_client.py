"""Building the SDK client as Scaleway users configure it: a profile file, SCW_* variables over
it, and every wrong setting named by where it is set, never by its value."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infermod.errors import CredentialsError
from infermod.scw.client import SANDBOX_PROJECT_ID, make_client, require_credentials
from tests.conftest import ACCESS_KEY, PROJECT, SECRET_KEY, write

OTHER_ACCESS = "SCWOTHERACCESSKEY000"
PROFILES = f"""\
access_key: {ACCESS_KEY}
secret_key: {SECRET_KEY}
default_project_id: {PROJECT}
default_region: fr-par
profiles:
  ci:
    access_key: {OTHER_ACCESS}
    secret_key: 11111111-2222-4333-8444-555555555555
  broken:
    access_key: {OTHER_ACCESS}
    secret_key: my-very-secret-password
"""


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    """The SDK's config file where it looks by default under XDG_CONFIG_HOME (no SCW_CONFIG_PATH)."""
    monkeypatch.delenv("SCW_CONFIG_PATH")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return write(tmp_path / "xdg" / "scw" / "config.yaml", PROFILES)


def test_no_credentials_anywhere_fail_before_the_sdk_is_loaded(tmp_path, monkeypatch):
    monkeypatch.setenv("SCW_ACCESS_KEY", ACCESS_KEY)  # one variable of two is not credentials
    with pytest.raises(CredentialsError, match="credentials are not set: export SCW_ACCESS_KEY"):
        require_credentials("default")
    monkeypatch.setenv("SCW_SECRET_KEY", SECRET_KEY)
    require_credentials("default")


def test_profiles_are_read_from_the_config_file_and_variables_win(config_file, monkeypatch):
    client = make_client(None, "http://127.0.0.1:1")
    assert (client.access_key, client.default_project_id, client.api_url) == (
        ACCESS_KEY,
        PROJECT,
        "http://127.0.0.1:1",
    )
    assert make_client("ci").access_key == OTHER_ACCESS
    monkeypatch.setenv("SCW_PROFILE", "ci")
    assert make_client(None).access_key == OTHER_ACCESS
    monkeypatch.setenv("SCW_ACCESS_KEY", "SCWFROMTHEENVIRONMEN")
    assert make_client("ci").access_key == "SCWFROMTHEENVIRONMEN"


def test_a_bad_profile_value_is_named_by_its_field_and_profile_never_shown(config_file):
    with pytest.raises(CredentialsError) as info:
        make_client("broken")
    assert (
        str(info.value)
        == "`secret_key` of Scaleway profile `broken` is not a secret key: a secret key is a UUID (value hidden)"
    )


def test_the_sandbox_needs_no_credentials_and_never_reads_the_users(tmp_path, config_file):
    client = make_client(None, "http://127.0.0.1:1", sandbox=True)
    assert client.default_project_id == SANDBOX_PROJECT_ID and client.access_key != ACCESS_KEY


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
@given(
    value=st.text(st.characters(codec="ascii", exclude_categories=["Cc"]), min_size=6)
    .filter(str.strip)
    # A `~` no message has: a value such as "SCW_SE" is in every message that names SCW_SECRET_KEY
    # without being shown; only an echoed value can put a `~` in one.
    .map(lambda v: v[:3] + "~" + v[3:])
)
def test_whatever_is_in_the_wrong_place_its_value_is_never_shown(monkeypatch, value):
    for access, secret in ((value, SECRET_KEY), (ACCESS_KEY, value), (SECRET_KEY, value)):
        monkeypatch.setenv("SCW_ACCESS_KEY", access)
        monkeypatch.setenv("SCW_SECRET_KEY", secret)
        try:
            make_client(None)
        except CredentialsError as exc:
            assert value.strip() not in str(exc)
