"""The `${VAR}` values a saved plan was made with.

A plan file records the resolved value of every variable its configuration reads, so that
`apply PLANFILE` derives the plan that was reviewed whatever the environment says then (as
Terraform saves variable values in its plans). Secrets are never recorded: a variable whose
value is a credential infermod knows (a model's secret, SCW_SECRET_KEY, HF_TOKEN...) stays a
reference and must be set again at apply; when it is not, the refusal names it and the fields
that read it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from infermod.config.model import Config
from infermod.secrets import CREDENTIAL_VARIABLES


class Variables(NamedTuple):
    values: tuple[tuple[str, str | None], ...] = ()  # name -> value at plan time (None: unset)
    secrets: tuple[str, ...] = ()  # names read whose values are credentials: set them again

    def environment(self, environ: Mapping[str, str]) -> dict[str, str]:
        """`environ` with the recorded values in place (an unset one unset again)."""
        env = dict(environ)
        for name, value in self.values:
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def encode(self) -> dict[str, Any]:
        return {"values": dict(self.values), "secrets": list(self.secrets)}


def record(config: Config, environ: Mapping[str, str]) -> Variables:
    """The variables the configuration's values read, as the loader met them: a `${NAME}` in a
    comment is read by nothing, so its value is never recorded (nor asked for at apply)."""
    secret_values = {s.reveal() for s in config.sensitive_values}
    values: list[tuple[str, str | None]] = []
    secrets: list[str] = []
    for name in sorted({name for name, _ in config.variables}):
        value = environ.get(name)
        if name in CREDENTIAL_VARIABLES or (value is not None and value in secret_values):
            secrets.append(name)
        else:
            values.append((name, value))
    return Variables(tuple(values), tuple(secrets))


def missing_secrets(
    variables: Variables, sources: Sequence[tuple[str, str]], environ: Mapping[str, str]
) -> str | None:
    """Why the plan cannot be applied in this environment: a secret it reads is not set. Each
    is named with the fields that read it, as the loader finds them, and their lines."""
    unset = [name for name in variables.secrets if not environ.get(name)]
    if not unset:
        return None
    from infermod.config.load import load_sources

    loaded = load_sources(sources, variables.environment(environ))
    findings = loaded.findings
    read_at = [(name, str(loc)) for name, loc in (loaded.config.variables if loaded.config else ())]
    said = []
    for name in unset:
        reading = [
            f"{f.field} ({f.location})" if f.location else str(f.field)
            for f in findings
            if f.rule_id == "env-unset" and f"`{name}`" in f.message and f.field
        ]
        where = ", ".join(reading) or ", ".join(at for n, at in read_at if n == name) or "the configuration"
        said.append(
            f"{name} is not set: the plan does not record secrets, and {where} reads it; "
            f"set {name} again to apply this plan"
        )
    return "; ".join(said)


def decode(data: Any) -> Variables:
    """From a plan file's `embedded.variables`; absent in files from before it was recorded."""
    if data is None:
        return Variables()
    if not isinstance(data, dict):
        raise ValueError("embedded.variables: expected an object")
    values, secrets = data.get("values", {}), data.get("secrets", [])
    if not isinstance(values, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in values.items()
    ):
        raise ValueError("embedded.variables.values: expected an object of strings or nulls")
    if not isinstance(secrets, list) or not all(isinstance(s, str) for s in secrets):
        raise ValueError("embedded.variables.secrets: expected a list of names")
    return Variables(tuple(sorted(values.items())), tuple(secrets))
