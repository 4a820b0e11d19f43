"""Security rules: what would expose a deployment to anyone who knows its URL."""

from __future__ import annotations

from infermod.config.model import Config
from infermod.findings import Finding

RULE_PUBLIC_NO_AUTH = "public-endpoint-without-auth"


def security_findings(config: Config) -> list[Finding]:
    out = []
    for dep in config.deployments:
        for index, endpoint in enumerate(dep.endpoints):
            if endpoint.public and endpoint.disable_auth:
                path = f"deployments.{dep.key}.endpoints[{index}].disable_auth"
                out.append(
                    Finding(
                        RULE_PUBLIC_NO_AUTH,
                        "warning",
                        f"`{dep.key}` has a public endpoint with authentication disabled: anyone on the "
                        "internet who finds its URL can use the model, at your expense",
                        dep.address,
                        config.where(path),
                        path,
                        "keep `disable_auth: false` and give clients an IAM API key, or serve it on a "
                        "private network endpoint instead",
                    )
                )
    return out
