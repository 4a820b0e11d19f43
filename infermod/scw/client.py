"""Building an SDK Client the way Scaleway users already configure it."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from infermod.errors import CredentialsError
from infermod.lazyre import lazy
from infermod.scw import profilefile

if TYPE_CHECKING:  # the SDK is imported only by the commands that talk to Scaleway
    from scaleway import Client

SANDBOX_ACCESS_KEY = "SCWSANDBOXACCESSKEY0"
SANDBOX_SECRET_KEY = "00000000-0000-4000-8000-000000000000"
SANDBOX_PROJECT_ID = "5a4d0b0e-0000-4000-8000-5a4db0c00001"
NO_CREDENTIALS = (
    "Scaleway credentials are not set: export SCW_ACCESS_KEY and SCW_SECRET_KEY, "
    "configure a profile with `scw init`, or try infermod with --sandbox"
)


def require_credentials(profile: str) -> None:
    """Fail before the SDK is imported (a tenth of a second) when no credentials can exist:
    neither both SCW_ACCESS_KEY and SCW_SECRET_KEY set, nor a config file where the SDK looks;
    and when that file is broken or lacks the profile, say so (the SDK would ignore it)."""
    path = profilefile.config_path()
    if os.path.isfile(path):
        profilefile.check(path, profile)
    elif not (os.environ.get("SCW_ACCESS_KEY") and os.environ.get("SCW_SECRET_KEY")):
        raise CredentialsError(NO_CREDENTIALS)


def profile_name(profile: str | None) -> str:
    """The profile a command uses: --profile, else SCW_PROFILE, else `default`."""
    return profile or os.environ.get("SCW_PROFILE") or "default"


def make_client(profile: str | None, api_url: str | None = None, sandbox: bool = False) -> Client:
    """A Client from ~/.config/scw/config.yaml (profile), overridden by SCW_* variables."""
    name = profile_name(profile)
    if not sandbox:
        require_credentials(name)
    import logging

    from scaleway import Client
    from scaleway_core.profile import Profile

    from infermod.scw import transport

    # The SDK logs a warning when ~/.config/scw/config.yaml is absent, which is normal with
    # SCW_* variables; and its debug logs would carry request bodies. Keep it quiet.
    logging.getLogger("scaleway").setLevel(logging.ERROR)
    transport.install()
    if sandbox:
        return Client(
            access_key=SANDBOX_ACCESS_KEY,
            secret_key=SANDBOX_SECRET_KEY,
            api_url=api_url,
            default_project_id=SANDBOX_PROJECT_ID,
            default_region="fr-par",
            default_page_size=100,
        )
    try:
        loaded = Profile.from_config_file_and_env(profile_name=name)
    except Exception as exc:
        raise CredentialsError(f"cannot read Scaleway profile `{name}`: {_safe(exc)}") from None
    client = Client.from_profile(loaded)
    if api_url:
        client.api_url = api_url
    client.default_page_size = 100
    if not client.access_key or not client.secret_key:
        raise CredentialsError(NO_CREDENTIALS)
    _check_keys(client.access_key, client.secret_key, name)
    try:
        client.validate()
    except ValueError as exc:
        raise CredentialsError(
            f"invalid Scaleway settings: {_safe(exc, client.secret_key, client.access_key)}"
        ) from None
    return client


_ACCESS_KEY = lazy(r"SCW[A-Z0-9]{17}\Z")
_UUID = lazy(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")


def _check_keys(access_key: str, secret_key: str, profile: str) -> None:
    """Say which setting is wrong by its name, never by its value: a secret key pasted into
    the access key's place would otherwise be printed in the SDK's error."""

    def where(variable: str, field: str) -> str:
        return variable if os.environ.get(variable) else f"`{field}` of Scaleway profile `{profile}`"

    access, secret = where("SCW_ACCESS_KEY", "access_key"), where("SCW_SECRET_KEY", "secret_key")
    if _UUID.match(access_key) and _ACCESS_KEY.match(secret_key):
        raise CredentialsError(
            f"{access} holds a secret key and {secret} an access key: they are swapped (values hidden)"
        )
    if not _ACCESS_KEY.match(access_key):
        what = "a secret key" if _UUID.match(access_key) else "not an access key"
        raise CredentialsError(
            f"{access} is {what}: an access key is SCW followed by 17 capital letters or digits (value hidden)"
        )
    if not _UUID.match(secret_key):
        raise CredentialsError(f"{secret} is not a secret key: a secret key is a UUID (value hidden)")


def _safe(exc: Exception, secret: str | None = None, access: str | None = None) -> str:
    """The SDK's messages quote the bad value, secret key included: never print that."""
    text = str(exc)
    for value in (secret, access):
        if value:
            text = text.replace(value, "(sensitive)")
    if "secret key" in text.lower():
        return "the secret key is not a UUID (value hidden)"
    return text
