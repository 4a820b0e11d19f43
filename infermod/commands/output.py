"""`infermod output`: each owned deployment's status and endpoint URLs."""

from __future__ import annotations

from infermod import output
from infermod.commands.common import load_valid_config
from infermod.render.deployments import render_deployments
from infermod.scw.session import open_session


def run(files: tuple[str, ...], fmt: str, profile: str | None, sandbox: bool) -> int:
    config, _ = load_valid_config(files)
    with open_session(profile, sandbox, config) as session:
        state = session.read_deployments()
    deployments = sorted(state.owned_deployments(config.stack), key=lambda d: (d.key or "", d.region))
    output.out(render_deployments(config.stack, deployments, fmt))
    return 0
