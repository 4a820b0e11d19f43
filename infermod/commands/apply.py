"""`infermod apply` and `infermod destroy`: plan (or load a saved plan), confirm, execute, report."""

from __future__ import annotations

import re
import sys

import click

from infermod import output
from infermod.apply.executor import Executor, Outcome
from infermod.apply.progress import Progress
from infermod.commands.common import gate_failed, load_valid_config
from infermod.config.load import resource_digests
from infermod.config.model import Config
from infermod.errors import ApplyError, PlanError
from infermod.plan.build import build_plan
from infermod.plan.model import Plan
from infermod.render.findings import findings_text
from infermod.render.text import render_text
from infermod.scw.session import Session, open_session
from infermod.state import ActualState


def run(
    plan_file: str | None,
    files: tuple[str, ...],
    auto_approve: bool,
    parallelism: int,
    timeout: str,
    profile: str | None,
    sandbox: bool,
    fail_on: str | None,
    eol_horizon: int | None,
) -> int:
    seconds = parse_duration(timeout)
    if plan_file:
        from infermod.plan.planfile import load

        saved = load(plan_file)
        config, _ = load_valid_config(files or saved.files)
        with open_session(profile, sandbox or saved.sandbox, config) as session:
            fresh, state = build_plan(config, session, eol_horizon, destroy=saved.destroy)
            refuse_if_stale(saved, config, fresh, state)
            return execute(saved, config, session, parallelism, seconds)
    config, findings = load_valid_config(files)
    with open_session(profile, sandbox, config) as session:
        plan, _ = build_plan(config, session, eol_horizon, prior_findings=findings)
        return confirm_and_execute(plan, config, session, auto_approve, parallelism, seconds, fail_on)


def run_destroy(
    files: tuple[str, ...],
    auto_approve: bool,
    parallelism: int,
    timeout: str,
    profile: str | None,
    sandbox: bool,
) -> int:
    seconds = parse_duration(timeout)
    config, _ = load_valid_config(files)
    with open_session(profile, sandbox, config) as session:
        plan, _ = build_plan(config, session, None, destroy=True)
        return confirm_and_execute(
            plan, config, session, auto_approve, parallelism, seconds, None, destroying=True
        )


def confirm_and_execute(
    plan: Plan,
    config: Config,
    session: Session,
    auto_approve: bool,
    parallelism: int,
    seconds: float,
    fail_on: str | None,
    destroying: bool = False,
) -> int:
    output.out(render_text(plan))
    if gate_failed(plan.findings, fail_on):
        output.error("the plan is refused: see the findings above; nothing was changed")
        return 1
    if not plan.has_changes:
        return 0
    if not auto_approve:
        if not sys.stdin.isatty():
            output.error(
                "refusing to ask for confirmation without a terminal: pass --auto-approve, or apply a saved plan"
            )
            return 1
        question = "Destroy all these resources?" if destroying else "Do you want to perform these actions?"
        answer = click.prompt(f"{question} Only 'yes' will be accepted", default="", show_default=False)
        if answer.strip() != "yes":
            output.out("Cancelled: nothing was changed.")
            return 1
    return execute(plan, config, session, parallelism, seconds)


def execute(plan: Plan, config: Config, session: Session, parallelism: int, seconds: float) -> int:
    with Progress() as progress:
        executor = Executor(plan, config, session.gateway, progress, parallelism, seconds)
        outcomes = executor.run()
    output.out(report(outcomes))
    if executor.interrupted:
        output.error(
            "interrupted: see above what was done, what is still in progress in Scaleway, and what was not started"
        )
        return 130
    if any(not o.ok for o in outcomes):
        raise ApplyError("some changes failed (see above); run `infermod plan` to see what is left to do")
    return 0


def report(outcomes: list[Outcome]) -> str:
    lines = [""]
    for o in outcomes:
        mark = "ok " if o.ok else "!! "
        detail = f": {o.message}" if o.message else ""
        ident = f" [{o.resource_id}]" if o.resource_id and o.ok else ""
        lines.append(f"{mark}{o.address} {o.result}{ident}{detail}")
    deps = [o for o in outcomes if o.type == "deployment"]
    added = sum(1 for o in deps if o.result in ("created", "replaced"))
    changed = sum(1 for o in deps if o.result == "updated")
    destroyed = sum(1 for o in deps if o.result in ("destroyed", "replaced"))
    failed = [o for o in outcomes if not o.ok]
    models = sum(1 for o in outcomes if o.type == "model" and o.result in ("created", "replaced"))
    extra = f" Models: {models} imported." if models else ""
    if failed:
        lines.append(
            output.style(
                f"Apply {'interrupted' if any(o.result in ('interrupted', 'not started') for o in failed) else 'failed'}! "
                f"{len(failed)} of {len(outcomes)} change(s) did not complete. "
                f"Deployments: {added} added, {changed} changed, {destroyed} destroyed.{extra}",
                "red",
            )
        )
    else:
        lines.append(
            output.style(
                f"Apply complete! Deployments: {added} added, {changed} changed, {destroyed} destroyed.{extra}",
                "green",
            )
        )
    return "\n".join(lines)


def refuse_if_stale(saved: Plan, config: Config, fresh: Plan, state: ActualState) -> None:
    reasons = []
    if saved.stack != config.stack:
        reasons.append(f"the stack is now `{config.stack}`, the plan was made for `{saved.stack}`")
    if saved.config_digest != config.digest:
        reasons.append("the configuration changed: " + describe_config_change(saved, config))
    if saved.state_fingerprint != fresh.state_fingerprint:
        reasons.append(
            "the deployments changed since the plan was made: " + describe_state_change(saved, state)
        )
    if reasons:
        raise PlanError(
            "the saved plan is stale, nothing was applied:\n  - "
            + "\n  - ".join(reasons)
            + "\nMake a new plan."
        )
    errors = [f for f in fresh.findings if f.severity == "error"]
    if errors:
        for line in findings_text(errors):
            output.out(line, err=True)
        raise PlanError("the plan cannot be applied now: see the findings above")


def describe_config_change(saved: Plan, config: Config) -> str:
    before = {c.address for c in saved.changes if c.after is not None}
    now = set(resource_digests(config))
    added, removed = sorted(now - before), sorted(before - now)
    parts = [f"{a} added" for a in added] + [f"{r} removed" for r in removed]
    return ", ".join(parts) or "a setting of a declared resource differs"


def describe_state_change(saved: Plan, state: ActualState) -> str:
    known = {c.resource_id: c for c in saved.changes if c.resource_id}
    current = {d.id: d for d in state.owned_deployments(saved.stack)} | {
        m.id: m for m in state.owned_models(saved.stack)
    }  # type: ignore[operator]
    parts = []
    for rid, change in known.items():
        if rid not in current:
            parts.append(f"{change.address} ({rid}) no longer exists")
        elif (
            change.before
            and change.before.get("status")
            and getattr(current[rid], "status", None) != change.before.get("status")
        ):
            parts.append(f"{change.address} is now {current[rid].status} (was {change.before['status']})")
    for rid, res in current.items():
        if rid not in known:
            parts.append(f"{getattr(res, 'name', rid)} ({rid}) appeared")
    return ", ".join(parts) or "a resource was modified"


def parse_duration(text: str) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*", text)
    if not match:
        raise click.BadParameter(
            f"{text!r}: expected a duration such as 90s, 30m or 1h", param_hint="--timeout"
        )
    return float(match.group(1)) * {"s": 1, "m": 60, "h": 3600, None: 1}[match.group(2)]
