"""`python -m infermod.livecheck [--profile P] [--region R] [--format text|json]`

Confirms, with GET requests only, the assumptions infermod makes about the Scaleway API
(docs/scaleway-api-assumptions.md), using your usual Scaleway credentials. Exit 0 when every
assumption holds or could not be checked, 1 when one differs or the API cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from infermod import output
from infermod.errors import FatalError
from infermod.livecheck.checks import ALL, Check, Context
from infermod.regions import regions

FORMAT_VERSION = "1"


def run_checks(client: Any, region: str) -> list[Check]:
    from scaleway.inference.v1 import InferenceV1API

    api = InferenceV1API(client, bypass_validation=True)

    def get(path: str, query: dict[str, Any]) -> tuple[int, Any]:
        response = api._request("GET", path, params=query)  # never a write: GET only
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, None

    ctx = Context(get, region, client.default_project_id, client.default_organization_id)
    out = []
    for check in ALL:
        try:
            out.append(check(ctx))
        except (LookupError, KeyError, TypeError, ValueError) as exc:
            out.append(Check("?", check.__name__.replace("_", " "), "skipped", f"could not check: {exc}"))
    return out


def run_write_checks(client: Any, region: str) -> list[Check]:
    """The write-path checks (livecheck/write.py), through the SDK's own request machinery."""
    import os

    from scaleway.inference.v1 import InferenceV1API

    from infermod.livecheck.write import Writer, run

    if not client.default_project_id:
        raise FatalError(
            "--write needs a project: set SCW_DEFAULT_PROJECT_ID or your profile's default_project_id"
        )
    api = InferenceV1API(client, bypass_validation=True)

    def request(method: str, path: str, body: dict[str, Any] | None) -> tuple[int, Any]:
        response = api._request(method, path, body=body)
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, None

    poll = float(os.environ.get("INFERMOD_POLL_INTERVAL") or 10.0)
    return run(Writer(request, region, client.default_project_id, poll=poll))


def main(argv: Sequence[str] | None = None) -> int:
    try:
        names = regions()
    except FatalError as exc:
        output.out(f"error: {exc}", err=True)
        return 1
    parser = argparse.ArgumentParser(
        prog="python -m infermod.livecheck", description=__doc__.split("\n\n")[1]
    )
    parser.add_argument("--profile", help="Scaleway config profile (default: SCW_PROFILE or `default`)")
    parser.add_argument("--region", default=names[0], choices=names)
    parser.add_argument("--format", default="text", choices=["text", "json"])
    parser.add_argument(
        "--write",
        action="store_true",
        help="also check the write path: creates the cheapest deployment in your default project "
        "(billed for ~20 minutes), watches it, and always deletes it",
    )
    args = parser.parse_args(argv)
    from infermod.scw.client import make_client
    from infermod.scw.errors import describe

    try:
        client = make_client(args.profile)
        checks = run_checks(client, args.region)
        if args.write:
            checks += run_write_checks(client, args.region)
    except FatalError as exc:
        output.out(f"error: {exc}", err=True)
        return 1
    except Exception as exc:  # the API could not be read at all
        output.out(f"error: cannot read the Scaleway API: {describe(exc)}", err=True)
        return 1
    if args.format == "json":
        body = {
            "format_version": FORMAT_VERSION,
            "region": args.region,
            "checks": [c._asdict() for c in checks],
        }
        output.out(json.dumps(body, indent=2))
    else:
        for c in checks:
            output.out(f"{c.result:8} {c.id:3} {c.assumption}: {c.detail}")
    return 1 if any(c.result == "differs" for c in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
