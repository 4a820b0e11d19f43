"""`infermod apply` and `infermod destroy`: plan (or load a saved plan), confirm, execute, report."""

from __future__ import annotations

import sys

import click

from infermod import output
from infermod.apply.executor import Executor
from infermod.apply.progress import Progress
from infermod.apply.stale import stale_reasons
from infermod.commands.common import gate_failed, load_valid_config, read_and_plan
from infermod.config.model import Config
from infermod.errors import ApplyError, PlanError
from infermod.plan.model import Plan
from infermod.render.findings import findings_text
from infermod.render.outcomes import render_outcomes
from infermod.render.text import render_text
from infermod.scw.session import Session, open_session
from infermod.state import ActualState


def run(
    plan_file: str | None,
    files: tuple[str, ...],
    auto_approve: bool,
    parallelism: int,
    timeout: float,
    profile: str | None,
    sandbox: bool,
    fail_on: str | None,
    eol_horizon: int | None,
    check_models: bool = False,
    targets: tuple[str, ...] = (),
    replace: tuple[str, ...] = (),
) -> int:
    seconds = timeout
    if plan_file:
        from infermod.plan.planfile import load

        if targets or replace:
            raise click.UsageError(
                "--target and --replace are recorded in the saved plan: make a new plan to change them"
            )
        saved = load(plan_file)
        config, _ = load_valid_config(files or saved.files)
        with open_session(profile, sandbox or saved.sandbox, config) as session:
            fresh, state = read_and_plan(
                config,
                session,
                eol_horizon,
                destroy=saved.destroy,
                targets=saved.targets,
                replace=saved.replace,
            )
            refuse_if_stale(saved, config, fresh, state)
            return execute(saved, config, session, parallelism, seconds)
    config, findings = load_valid_config(files)
    with open_session(profile, sandbox, config) as session:
        plan, _ = read_and_plan(
            config,
            session,
            eol_horizon,
            prior_findings=findings,
            check_models=check_models,
            targets=targets,
            replace=replace,
        )
        return confirm_and_execute(plan, config, session, auto_approve, parallelism, seconds, fail_on)


def run_destroy(
    files: tuple[str, ...],
    auto_approve: bool,
    parallelism: int,
    timeout: float,
    profile: str | None,
    sandbox: bool,
    targets: tuple[str, ...] = (),
) -> int:
    seconds = timeout
    config, _ = load_valid_config(files)
    with open_session(profile, sandbox, config) as session:
        plan, _ = read_and_plan(config, session, None, destroy=True, targets=targets)
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
    output.out(render_outcomes(outcomes))
    if plan.targets:
        output.out(output.style(PARTIAL_APPLY, "yellow"))
    if executor.interrupted:
        output.error(
            "interrupted: see above what was done, what is still in progress in Scaleway, and what was not started"
        )
        return 130
    if any(not o.ok for o in outcomes):
        raise ApplyError("some changes failed (see above); run `infermod plan` to see what is left to do")
    return 0


PARTIAL_APPLY = (
    "\nWarning: Applied changes may be incomplete\n\n"
    "The plan was made with --target, so changes the configuration asks for elsewhere may have\n"
    "been left out. Run `infermod plan` to check that no other changes are pending."
)


def refuse_if_stale(saved: Plan, config: Config, fresh: Plan, state: ActualState) -> None:
    reasons = stale_reasons(saved, config, fresh, state)
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
