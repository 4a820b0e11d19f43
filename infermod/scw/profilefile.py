"""The Scaleway config file (~/.config/scw/config.yaml), checked before the SDK reads it.

The SDK swallows every problem with the file (invalid YAML, a list where a mapping belongs,
an unknown profile) and falls back to the environment alone, so a broken file was reported as
"credentials are not set". Here each is an error naming the file, line and setting. Values are
never quoted: the file holds the secret key.
"""

from __future__ import annotations

import os
from typing import Any

from infermod.errors import CredentialsError
from infermod.findings import Finding, Location

# The settings the SDK reads from the file (scaleway_core.profile.file): all strings.
SETTINGS = (
    "access_key",
    "secret_key",
    "api_url",
    "default_organization_id",
    "default_project_id",
    "default_region",
    "default_zone",
)
_KINDS = {bool: "boolean", int: "integer", float: "number", list: "list", dict: "mapping"}


def config_path() -> str:
    """Where the SDK looks: SCW_CONFIG_PATH, else $XDG_CONFIG_HOME/scw or ~/.config/scw, then
    config.yaml."""
    path = os.environ.get("SCW_CONFIG_PATH")
    if path:
        return path
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = os.path.join(xdg, "scw") if xdg else os.path.join(os.path.expanduser("~"), ".config", "scw")
    return os.path.join(base, "config.yaml")


def check(path: str, profile: str) -> None:
    """Raise CredentialsError when the file at `path` cannot give the SDK profile `profile`."""
    from infermod.config.yamlsource import load_file

    loaded = load_file(path, environ={})  # no ${VAR} interpolation: the SDK does none
    problems = [f for f in loaded.findings if f.rule_id not in ("config-empty", "config-not-mapping")]
    if problems:
        raise CredentialsError(f"Scaleway config file {problems[0].location}: {_hidden(problems[0])}")
    data: Any = {} if loaded.data is None and not loaded.findings else loaded.data
    where = loaded.locations
    if not isinstance(data, dict):
        raise CredentialsError(
            f"Scaleway config file {Location(path, 1, 1)}: expected a mapping of settings "
            "(access_key, secret_key, default_project_id..., profiles)"
        )
    _check_settings(data, (), "", path, where)
    profiles = data.get("profiles")
    if profiles is not None and not isinstance(profiles, dict):
        _wrong_type("`profiles`", "a mapping", profiles, where.get(("profiles",)), path)
    if profile == "default":  # the SDK reads the default profile from the top level only
        return
    if not profiles or profile not in profiles:
        known = ", ".join(["default", *sorted(map(str, profiles or {}))])
        raise CredentialsError(f"Scaleway profile `{profile}` not found in {path} (profiles: {known})")
    chosen = profiles[profile]
    if not isinstance(chosen, dict):
        _wrong_type(f"profile `{profile}`", "a mapping", chosen, where.get(("profiles", profile)), path)
    _check_settings(chosen, ("profiles", profile), f" of profile `{profile}`", path, where)


def _check_settings(settings: dict[str, Any], at: tuple[str, ...], of: str, path: str, where: Any) -> None:
    for name in SETTINGS:
        value = settings.get(name)
        if value is not None and not isinstance(value, str):
            _wrong_type(f"`{name}`{of}", "a string", value, where.get((*at, name)), path)


def _wrong_type(what: str, expected: str, value: Any, loc: Location | None, path: str) -> None:
    found = _KINDS.get(type(value), type(value).__name__)
    raise CredentialsError(
        f"Scaleway config file {loc or Location(path, 1, 1)}: {what} should be {expected}, found {found} (value hidden)"
    )


def _hidden(finding: Finding) -> str:
    """The loader quotes some bad values (an invalid tag's, an unclosed `${`...): not a key's."""
    if finding.field and finding.field.rsplit(".", 1)[-1] in ("secret_key", "access_key"):
        return f"the value of `{finding.field}` is not valid YAML text ({finding.rule_id}, value hidden)"
    return finding.message
