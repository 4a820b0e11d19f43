"""What several commands share: loading a valid config, showing its problems, reading and planning, gates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from infermod import output
from infermod.config.model import Config
from infermod.errors import ConfigError
from infermod.findings import Finding, fails_gate
from infermod.rules.engine import load_checked_config, load_checked_sources

if TYPE_CHECKING:  # validate imports this module and must not pay for the plan machinery
    from infermod.plan.model import ApiBinding, Plan
    from infermod.scw.session import Session
    from infermod.state import ActualState


def load_valid_config(
    files: Sequence[str],
    sources: Sequence[tuple[str, str]] | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[Config, list[Finding]]:
    """The config (from `files`, or from `sources`: a plan file's (path, text) pairs, read with
    `environ`), or a ConfigError (exit 1) carrying every finding: nothing is printed here,
    `cli.main` shows them."""
    result = load_checked_config(files) if sources is None else load_checked_sources(sources, environ)
    if result.config is not None:
        output.register_secrets(result.config.sensitive_values)
    errors = [f for f in result.findings if f.severity == "error"]
    if result.config is None or errors:
        raise ConfigError(
            f"the configuration has {len(errors) or 'unreadable'} error(s); nothing was planned",
            result.findings,
        )
    return result.config, result.findings


def gate_failed(findings: Sequence[Finding], fail_on: str | None) -> bool:
    return any(f.severity == "error" for f in findings) or bool(fail_on and fails_gate(findings, fail_on))


def _whole_adoptions(config: Config, session: Session, state: ActualState) -> ActualState:
    """A deployment a key's `id:` adopts is read whole (endpoints included): a plan lists
    what the stack does not own as light records (scw/listing.py), and the adoption's plan
    compares every field. One GET each, and only until the adoption is applied."""
    ids = {d.id for d in config.deployments if d.id}
    light = [d for d in state.deployments if d.id in ids and d.stack != config.stack]
    if not light:
        return state
    from infermod.scw.errors import as_fatal

    whole = {}
    for dep in light:
        try:
            found = session.gateway.get_deployment(dep.region, dep.id)
        except Exception as exc:
            raise as_fatal(exc, f"cannot read deployment {dep.id}") from None
        if found is not None:
            whole[dep.id] = found
    return state._replace(deployments=tuple(whole.get(d.id, d) for d in state.deployments))


def api_binding(session: Session) -> ApiBinding:
    """The API `session` reads, and its scope: what a saved plan is bound to."""
    from infermod.plan.model import SANDBOX_API, ApiBinding

    url = SANDBOX_API if session.sandbox else str(session.gateway.client.api_url).rstrip("/")
    projects = tuple(sorted({project for _, project in session.pairs}))
    return ApiBinding(session.sandbox, url, session.gateway.organization_id, projects)


def read_and_plan(
    config: Config, session: Session, eol_horizon: int | None, **options: Any
) -> tuple[Plan, ActualState]:
    """Read the actual state once, then plan from it (options: those of `build_plan`)."""
    from infermod.planning import Observed, build_plan

    state, catalog = session.read()
    state = _whole_adoptions(config, session, state)
    observed = Observed(state, catalog, session.default_project, session.sandbox, api_binding(session))
    return build_plan(config, observed, eol_horizon, **options), state
