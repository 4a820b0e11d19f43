"""`infermod import deployment.KEY ID` / `model.KEY ID`: adopt an existing resource.

A deployment is adopted by adding its ownership tags. A custom model cannot be tagged or
renamed, so it is adopted by writing `id: ID` under models.KEY in the configuration: that line
is the stack's record that it owns the model (plans, apply's write-time guard and destroy read
it), and removing it gives the model back, untouched."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

import click

from infermod import hints, output
from infermod.commands.common import load_valid_config
from infermod.errors import PlanError
from infermod.rules.updates import TRANSIENT
from infermod.scw.errors import as_fatal
from infermod.scw.session import open_session
from infermod.scw.statuses import LOCKED, locked_message
from infermod.state import RESERVED, STACK_TAG, ActualDeployment, ownership_tags

if TYPE_CHECKING:
    from infermod.scw.gateway import Gateway

SETTLE_TIMEOUT = 600.0


def run(
    address: str | None,
    deployment_id: str | None,
    files: tuple[str, ...],
    profile: str | None,
    sandbox: bool,
    all_: bool = False,
    out: str | None = None,
    overwrite: bool = False,
    stack: str | None = None,
    auto_approve: bool = False,
) -> int:
    if all_:
        if address is not None or files:
            raise PlanError("--all reads the project, not a configuration: give it no ADDRESS, ID or -f")
        from infermod.commands.import_all import run_all

        return run_all(out, overwrite, stack or "imported", profile, sandbox)
    if out is not None or overwrite or stack is not None:
        raise PlanError("--out, --overwrite and --stack go with --all")
    if address is None or deployment_id is None:
        raise PlanError("expected ADDRESS and ID (`infermod import deployment.KEY ID`), or --all")
    kind, _, key = address.partition(".")
    if kind not in ("deployment", "model") or not key:
        raise PlanError(f"{address}: expected an address like deployment.KEY or model.KEY")
    if kind == "model":
        from infermod.commands.import_model import run_model

        return run_model(address, key, deployment_id, files, profile, sandbox)
    return _import_deployment(address, key, deployment_id, files, profile, sandbox, auto_approve)


def _import_deployment(
    address: str,
    key: str,
    deployment_id: str,
    files: tuple[str, ...],
    profile: str | None,
    sandbox: bool,
    auto_approve: bool,
) -> int:
    config, _ = load_valid_config(files)
    spec = next((d for d in config.deployments if d.key == key), None)
    if spec is None:
        raise PlanError(f"{address} is not declared: add it under `deployments:` first, then import")
    with open_session(profile, sandbox, config.projects, config.stack) as session:
        found = None
        for region, _project in session.pairs:
            found = session.gateway.get_deployment(region, deployment_id)
            if found:
                break
        if found is None:
            raise PlanError(
                f"no deployment {deployment_id} in {', '.join(sorted({r for r, _ in session.pairs}))}"
            )
        if found.stack == config.stack and found.key == key:
            output.out(f"{address} is already imported ({found.id}): nothing to do.")
            return 0
        # every stack tag, not the one `stack` agrees on: tags naming two stacks make it nobody's
        # to plan, and still never this stack's to take
        theirs = sorted({t[len(STACK_TAG) :] for t in found.tags if t.startswith(STACK_TAG)} - {config.stack})
        if theirs:
            named = " and ".join(f"`{s}` ({STACK_TAG}{s})" for s in theirs)
            raise PlanError(
                f"deployment {deployment_id} carries the tags of stack {named}: infermod will not take it "
                "over; remove those tags first if it really belongs here"
            )
        others = [
            d for d in session.read()[0].owned_deployments(config.stack) if d.key == key and d.id != found.id
        ]
        if others:
            raise PlanError(
                f"{address} already exists in this stack ({others[0].id}): remove it from the stack first"
            )
        if not _approved(found, address, ownership_tags(config.stack, key), auto_approve):
            return 1
        found = _settled(session.gateway, found)
        tags = [t for t in found.tags if not t.startswith(RESERVED)] + ownership_tags(config.stack, key)
        try:
            session.gateway.update_deployment(found.region, found.id, tags=tags)
        except Exception as exc:
            raise as_fatal(exc, f"cannot tag deployment {found.id}") from None
    output.out(
        f"Imported {found.name} ({found.id}) in {found.region} as {address}. "
        f"Run `{hints.command('plan')}` to see how it differs from the configuration."
    )
    return 0


def _approved(found: ActualDeployment, address: str, tags: list[str], auto_approve: bool) -> bool:
    """Importing a deployment is a write to it, and Scaleway redeploys on a tag change: said
    first, and asked, as apply asks (unlike Terraform's import, which writes nothing)."""
    output.out(
        f"infermod will tag deployment {found.name} ({found.id}) with {', '.join(tags)}. Scaleway applies a "
        "tag change by redeploying: it passes through `deploying` for about 2 minutes (as recorded). "
        f"The stack then owns it: its next apply makes it match {address}."
    )
    if auto_approve:
        return True
    if not sys.stdin.isatty():
        raise PlanError("refusing to ask for confirmation without a terminal: pass --auto-approve")
    answer = click.prompt(
        "Do you want to import it? Only 'yes' will be accepted", default="", show_default=False
    )
    if answer.strip() == "yes":
        return True
    output.out("Cancelled: nothing was changed.")
    return False


def _settled(gateway: Gateway, dep: ActualDeployment) -> ActualDeployment:
    """Tags cannot change during a transient state: wait for it to end (bounded)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while dep.status in TRANSIENT | {LOCKED}:
        if dep.status == LOCKED:  # final until Scaleway lifts it
            raise PlanError(locked_message(dep.name))
        if time.monotonic() > deadline:
            raise PlanError(f"deployment {dep.id} is still {dep.status}: try the import again later")
        time.sleep(0.5)
        dep = gateway.get_deployment(dep.region, dep.id) or dep
    return dep
