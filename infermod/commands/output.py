"""`infermod output [KEY]`: each owned deployment's status and endpoint URLs, or one value."""

from __future__ import annotations

import click

from infermod import hints, output
from infermod.commands.common import load_valid_config
from infermod.render.deployments import deployments_json, lookup, render_deployments, render_value
from infermod.scw.session import open_session


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
    for region, detail in state.refused:
        output.out(
            output.style(
                f"Warning: region {region} was not read ({detail}): its deployments are not shown",
                "yellow",
                err=True,
            ),
            err=True,
        )
    deployments = sorted(state.owned_deployments(config.stack), key=lambda d: (d.key or "", d.region))
    if key is None:
        output.out(render_deployments(config.stack, deployments, "json" if as_json else fmt))
        return 0
    body = deployments_json(config.stack, deployments)
    value = lookup(body["deployments"], key, {d.key for d in config.deployments})
    output.out(render_value(value, key, raw=raw))
    return 0
