"""Building an SDK Client the way Scaleway users already configure it."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from infermod.errors import CredentialsError

if TYPE_CHECKING:  # the SDK is imported only by the commands that talk to Scaleway
    from scaleway import Client

SANDBOX_ACCESS_KEY = "SCWSANDBOXACCESSKEY0"
SANDBOX_SECRET_KEY = "00000000-0000-4000-8000-000000000000"
SANDBOX_PROJECT_ID = "5a4d0b0e-0000-4000-8000-5a4db0c00001"


def make_client(profile: str | None, api_url: str | None = None, sandbox: bool = False) -> Client:
    """A Client from ~/.config/scw/config.yaml (profile), overridden by SCW_* variables."""
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
    name = profile or os.environ.get("SCW_PROFILE") or "default"
    try:
        loaded = Profile.from_config_file_and_env(profile_name=name)
    except Exception as exc:
        raise CredentialsError(f"cannot read Scaleway profile `{name}`: {_safe(exc)}") from None
    client = Client.from_profile(loaded)
    if api_url:
        client.api_url = api_url
    client.default_page_size = 100
    if not client.access_key or not client.secret_key:
        raise CredentialsError(
            "Scaleway credentials are not set: export SCW_ACCESS_KEY and SCW_SECRET_KEY, "
            "configure a profile with `scw init`, or try infermod with --sandbox"
        )
    try:
        client.validate()
    except ValueError as exc:
        raise CredentialsError(f"invalid Scaleway settings: {_safe(exc, client.secret_key)}") from None
    return client


def _safe(exc: Exception, secret: str | None = None) -> str:
    """The SDK's messages quote the bad value, secret key included: never print that."""
    text = str(exc)
    if secret:
        text = text.replace(secret, "(sensitive)")
    if "secret key" in text.lower():
        return "the secret key is not a UUID (value hidden)"
    return text
