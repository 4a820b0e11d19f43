"""`infermod output [KEY]`: each owned deployment's status and endpoint URLs, or one value."""

from __future__ import annotations

from typing import Any

import click

from infermod import hints, output
from infermod.commands.common import load_valid_config
from infermod.render.deployments import (
    PrivateAccess,
    deployments_json,
    lookup,
    render_deployments,
    render_value,
)
from infermod.scw.session import open_session
from infermod.state import ActualDeployment


def run(
    files: tuple[str, ...],
    key: str | None,
    fmt: str,
    as_json: bool,
    raw: bool,
    profile: str | None,
    sandbox: bool,
) -> int:
    if as_json and raw:
        raise click.UsageError("--json and --raw are exclusive: choose one")
    if raw and key is None:
        raise click.UsageError(
            f"--raw prints one value: name it, e.g. `{hints.command('output', 'KEY.url', '--raw')}`"
        )
    config, _ = load_valid_config(files)
    with open_session(profile, sandbox, config.projects, config.stack) as session:
        state = session.read_deployments()
        deployments = sorted(state.owned_deployments(config.stack), key=lambda d: (d.key or "", d.region))
        # the table shows URLs only: the certificate and private IPs are read for the values
        access = (
            _private_access(session.gateway, deployments)
            if key is not None or as_json or fmt == "json"
            else {}
        )
    for region, detail in state.refused:
        output.warning(f"region {region} was not read ({detail}): its deployments are not shown")
    if key is None:
        output.out(render_deployments(config.stack, deployments, "json" if as_json else fmt, access))
        return 0
    body = deployments_json(config.stack, deployments, access)
    value = lookup(body["deployments"], key, {d.key for d in config.deployments})
    output.out(render_value(value, key, raw=raw))
    return 0


def _private_access(gateway: Any, deployments: list[ActualDeployment]) -> dict[str, PrivateAccess]:
    """For each deployment with a private endpoint: its CA certificate and private IPs. What
    cannot be read (a key without IPAM rights, a deployment still creating) is null, and said."""
    from infermod.scw.errors import describe

    found = {}
    for dep in deployments:
        if all(e.public for e in dep.endpoints):
            continue
        certificate, ips = None, {}
        try:
            certificate = gateway.deployment_certificate(dep.region, dep.id)
        except Exception as exc:
            _warn(f"cannot read the CA certificate of {dep.key or dep.name}: {describe(exc)}")
        try:
            ips = gateway.private_ips(dep.region, dep.project_id, dep.id)
        except Exception as exc:
            _warn(f"cannot read the private IPs of {dep.key or dep.name} (IPAM): {describe(exc)}")
        found[dep.id] = PrivateAccess(certificate, ips)
    return found


def _warn(text: str) -> None:
    output.warning(text)
