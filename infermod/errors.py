"""The one family of errors that the CLI turns into messages and exit codes.

Anything below FatalError is a known failure the user can act on: `cli.main` prints its
message (never a traceback; a ConfigError's findings first) and exits 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infermod.findings import Finding


class FatalError(Exception):
    """A known failure: its message is shown to the user as is."""

    exit_code = 1


class ConfigError(FatalError):
    """The configuration files cannot be read or are invalid; `findings` says where and why:
    what loading found, warnings included, as values. `cli.main` shows them before the
    message; a merge-request note lists the errors among them."""

    def __init__(self, message: str, findings: Sequence[Finding] = ()) -> None:
        super().__init__(message)
        self.findings = tuple(findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")


class CredentialsError(FatalError):
    """Scaleway credentials are missing or malformed."""


class ScalewayError(FatalError):
    """The Scaleway API answered with an error or could not be reached."""


class PlanError(FatalError):
    """A plan cannot be made or cannot be applied (stale, refused by policy...)."""


class ApplyError(FatalError):
    """Some resources failed while applying; the report says which."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (a GitLab job cancelled or timed out, `docker stop`, Kubernetes): handled as
    Ctrl-C is (every `except KeyboardInterrupt` stops starting work and reports what is in
    progress), then the exit code is 143, as a shell reports a process SIGTERM ended."""

    exit_code = 143
