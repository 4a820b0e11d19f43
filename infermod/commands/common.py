"""What several commands share: loading a valid config, showing its problems, gates."""

from __future__ import annotations

from collections.abc import Sequence

from infermod import output
from infermod.config.load import load_config
from infermod.config.model import Config
from infermod.errors import ConfigError
from infermod.findings import Finding, fails_gate
from infermod.render.findings import findings_text


def load_valid_config(files: Sequence[str]) -> tuple[Config, list[Finding]]:
    """The config, or every problem printed and a ConfigError (exit 1)."""
    result = load_config(files)
    if result.config is not None:
        output.register_secrets(result.config.sensitive_values)
    errors = [f for f in result.findings if f.severity == "error"]
    if result.config is None or errors:
        for line in findings_text(result.findings):
            output.out(line, err=True)
        raise ConfigError(
            f"the configuration has {len(errors) or 'unreadable'} error(s); nothing was planned"
        )
    return result.config, result.findings


def gate_failed(findings: Sequence[Finding], fail_on: str | None) -> bool:
    return any(f.severity == "error" for f in findings) or bool(fail_on and fails_gate(findings, fail_on))
