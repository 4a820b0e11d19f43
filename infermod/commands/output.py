"""`infermod output`: each owned deployment's status and endpoint URLs."""

from __future__ import annotations

import json

from tabulate import tabulate

from infermod import output
from infermod.commands.common import load_valid_config
from infermod.scw.session import open_session


def run(files: tuple[str, ...], fmt: str, profile: str | None, sandbox: bool) -> int:
    config, _ = load_valid_config(files)
    with open_session(profile, sandbox, config) as session:
        state = session.read_deployments()
    deployments = sorted(state.owned_deployments(config.stack), key=lambda d: (d.key or "", d.region))
    if fmt == "json":
        body = {
            "stack": config.stack,
            "deployments": {
                d.key: {
                    "id": d.id,
                    "name": d.name,
                    "region": d.region,
                    "status": d.status,
                    "model": d.model_name,
                    "node_type": d.node_type,
                    "size": d.size,
                    "endpoints": [
                        {
                            "url": e.url,
                            "public": e.public,
                            "private_network_id": e.private_network_id,
                            "disable_auth": e.disable_auth,
                        }
                        for e in d.endpoints
                    ],
                }
                for d in deployments
            },
        }
        output.out(json.dumps(body, indent=2))
        return 0
    if not deployments:
        output.out(f"Stack `{config.stack}` owns no deployment yet: run `infermod apply`.")
        return 0
    rows = [
        [d.key, d.region, d.status, d.model_name, "\n".join(e.url for e in d.endpoints)] for d in deployments
    ]
    output.out(tabulate(rows, headers=["deployment", "region", "status", "model", "endpoints"]))
    return 0
