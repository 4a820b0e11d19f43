"""`infermod apply` and `infermod destroy`: plan (or load a saved plan), confirm, execute, report."""

from __future__ import annotations

import os
import sys
from contextlib import AbstractContextManager
from typing import NamedTuple

import click

from infermod import events, hints, output
from infermod.apply.executor import Executor
from infermod.apply.outcome import Outcome
from infermod.apply.poller import schedule
from infermod.apply.progress import Progress
from infermod.apply.stale import stale_reasons
from infermod.commands.common import gate_failed, load_valid_config, read_and_plan
from infermod.config.model import Config
from infermod.errors import ApplyError, PlanError, Terminated
from infermod.plan.embed import Gates
from infermod.plan.model import Plan
from infermod.render.findings import findings_text
from infermod.render.outcomes import render_destroy_outcomes, render_outcomes
from infermod.render.text import render_text
from infermod.rules.policy import Policy
from infermod.scw import deadline
from infermod.scw.session import Session, open_session
from infermod.state import ActualState


def run(
    plan_file: str | None,
    files: tuple[str, ...],
    auto_approve: bool,
    parallelism: int,
    timeout: float | None,
    profile: str | None,
    sandbox: bool,
    fail_on: str | None,
    eol_horizon: int | None,
    check_models: bool = False,
    targets: tuple[str, ...] = (),
    replace: tuple[str, ...] = (),
    deny_destroy: bool = False,
    max_monthly_cost: float | None = None,
    require_reviewed: bool = False,
    allow_unreviewed: bool = False,
) -> int:
    seconds = timeout
    deadline.start(seconds)
    if allow_unreviewed and not require_reviewed:
        raise click.UsageError("--allow-unreviewed only makes sense with --require-reviewed")
    review = Review(require_reviewed, allow_unreviewed)
    if plan_file:
        if targets or replace:
            raise click.UsageError(
                "--target and --replace are recorded in the saved plan: make a new plan to change them"
            )
        given = Gates(deny_destroy, max_monthly_cost, fail_on, eol_horizon)
        return apply_saved(plan_file, files, given, parallelism, seconds, profile, sandbox, review)
    config, findings = load_valid_config(files)
    with open_session(profile, sandbox, config.projects, config.stack) as session, locked(config, session):
        plan, _ = read_and_plan(
            config,
            session,
            eol_horizon,
            policy=Policy(deny_destroy, max_monthly_cost),
            prior_findings=findings,
            check_models=check_models,
            targets=targets,
            replace=replace,
        )
        review.check(plan)
        return confirm_and_execute(
            plan, config, session, auto_approve, parallelism, seconds, fail_on, files=files
        )


def apply_saved(
    plan_file: str,
    files: tuple[str, ...],
    given: Gates,
    parallelism: int,
    seconds: float | None,
    profile: str | None,
    sandbox: bool,
    review: Review | None = None,
) -> int:
    """Re-derive the plan from the configuration the file embeds and the current state; carry
    out the derived plan only if its changes are exactly the recorded ones, under the file's
    gates and those given now."""
    from infermod.apply.verify import binding_difference, first_difference
    from infermod.plan.planfile import load_embedded

    if files:
        raise PlanError(f"{plan_file} carries its own configuration: apply it without -f")
    saved, embedded = load_embedded(plan_file)
    if embedded is None:
        raise PlanError(
            f"{plan_file} does not embed the configuration it was made from (an older infermod wrote it): "
            "make a new plan; nothing was applied"
        )
    gates = embedded.gates.stricter(given)
    sources = [(s.path, s.text) for s in embedded.sources]
    from infermod.plan.variables import missing_secrets

    unset = missing_secrets(embedded.variables, sources, os.environ)
    if unset is not None:
        raise PlanError(f"{plan_file}: {unset}; nothing was applied")
    environ = embedded.variables.environment(os.environ)  # the values the plan was made with
    config, findings = load_valid_config((), sources=sources, environ=environ)
    with (
        open_session(profile, sandbox or saved.sandbox, config.projects, config.stack) as session,
        locked(config, session),
    ):
        fresh, state = read_and_plan(
            config,
            session,
            gates.eol_horizon,
            destroy=saved.destroy,
            policy=Policy(gates.deny_destroy, gates.max_monthly_cost),
            prior_findings=findings,
            targets=saved.targets,
            replace=saved.replace,
        )
        bound = binding_difference(saved, fresh)
        if bound is not None:
            raise PlanError(
                f"{plan_file} was not made against the API it would be applied to, nothing was applied.\n"
                f"First difference: {bound}\nMake a new plan against this API."
            )
        refuse_if_stale(saved, config, fresh, state)
        difference = first_difference(saved, fresh)
        if difference is not None:
            raise PlanError(
                f"{plan_file} is not the plan its configuration and the current state give, nothing was applied.\n"
                f"First difference: {difference}\nMake a new plan."
            )
        if gate_failed(fresh.findings, gates.fail_on):
            for line in findings_text(list(fresh.findings)):
                output.out(line, err=True)
            raise PlanError(
                "the plan is refused by the findings above (its gates included); nothing was applied"
            )
        if not fresh.has_changes:
            output.out("No changes. Your deployments match the configuration.")
            return 0
        if review is not None:
            review.check(fresh)
        return execute(fresh, config, session, parallelism, seconds)


class Review(NamedTuple):
    """`--require-reviewed`: the plan must be the one reviewed on the merge request (GitLab)."""

    required: bool
    allow_unreviewed: bool

    def check(self, plan: Plan) -> None:
        if not self.required or not plan.has_changes:
            return  # a plan without changes applies nothing, reviewed or not
        from infermod.gitlab.reviewed import require_reviewed

        require_reviewed(plan, self.allow_unreviewed, os.environ)


def run_destroy(
    files: tuple[str, ...],
    auto_approve: bool,
    parallelism: int,
    timeout: float | None,
    profile: str | None,
    sandbox: bool,
    targets: tuple[str, ...] = (),
    fail_on: str | None = None,
    eol_horizon: int | None = None,
    deny_destroy: bool = False,
    max_monthly_cost: float | None = None,
) -> int:
    seconds = timeout
    deadline.start(seconds)
    config, _ = load_valid_config(files)
    with open_session(profile, sandbox, config.projects, config.stack) as session, locked(config, session):
        plan, _ = read_and_plan(
            config,
            session,
            eol_horizon,
            destroy=True,
            targets=targets,
            policy=Policy(deny_destroy, max_monthly_cost),
        )
        return confirm_and_execute(
            plan, config, session, auto_approve, parallelism, seconds, fail_on, destroying=True
        )


def locked(config: Config, session: Session) -> AbstractContextManager[None]:
    """This machine's lock for the stack, held from the plan's read to the report."""
    from infermod.apply.lock import stack_lock

    projects = sorted({project for _, project in session.pairs})
    if session.sandbox:  # each sandbox serves a random port: its state directory is what is shared
        from infermod.sandbox import SANDBOX_DIR

        return stack_lock(config.stack, projects, "sandbox:" + os.path.abspath(SANDBOX_DIR))
    return stack_lock(config.stack, projects, str(session.gateway.client.api_url))


def confirm_and_execute(
    plan: Plan,
    config: Config,
    session: Session,
    auto_approve: bool,
    parallelism: int,
    seconds: float | None,
    fail_on: str | None,
    destroying: bool = False,
    files: tuple[str, ...] | None = None,
) -> int:
    output.out(render_text(plan))
    if events.active():
        from infermod.render.events import emit_plan
        from infermod.render.symbols import summary_line

        emit_plan(plan)
        operation = "destroy" if destroying else "apply"
        events.summarize(
            summary_line(plan), operation=operation, ok=True, added=0, changed=0, destroyed=0, failed=0
        )
    if gate_failed(plan.findings, fail_on):
        output.error("the plan is refused: see the findings above; nothing was changed")
        return 1
    if not plan.has_changes:
        if not destroying:
            show_outputs(config, session)
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
        refuse_if_changed_meanwhile(plan, session)
    return execute(plan, config, session, parallelism, seconds, files)


def refuse_if_changed_meanwhile(plan: Plan, session: Session) -> None:
    """The plan shown was read before the question; a human may answer minutes later. Like a
    saved plan, it is carried out only if the state it was made from still holds."""
    from infermod.apply.stale import describe_state_change
    from infermod.scw.errors import as_fatal

    try:
        state = session.read_owned()
    except Exception as exc:
        raise as_fatal(
            exc, "cannot read the deployments again before changing them; nothing was changed"
        ) from None
    if state.fingerprint(plan.stack) != plan.state_fingerprint:
        raise PlanError(
            "the deployments changed while the plan waited for your answer, nothing was changed: "
            + describe_state_change(plan, state)
            + "\nRun the command again to see the plan as things are now."
        )


def execute(
    plan: Plan,
    config: Config,
    session: Session,
    parallelism: int,
    seconds: float | None,
    files: tuple[str, ...] | None = None,
) -> int:
    """`files`: the configuration files the plan was made from, None for a saved plan's (never
    edited: the report says what to change in them)."""
    from infermod.apply.progress import JsonProgress

    with JsonProgress() if events.active() else Progress() as progress:
        poll = schedule(session.sandbox)
        executor = Executor(plan, config, session.gateway, progress, parallelism, seconds, poll)
        outcomes = executor.run()
    from infermod.wrap import width, wrap

    report = render_destroy_outcomes(outcomes) if plan.destroy else render_outcomes(outcomes)
    output.out("\n".join(wrap(report.split("\n"), width())))
    if plan.replace and not plan.destroy:  # `--replace model.KEY` of an adopted model
        from infermod.commands.replaced import forget_replaced_ids

        forget_replaced_ids(config, files, outcomes)
    if events.active():
        from infermod.render.events import emit_outcomes

        emit_outcomes(outcomes)
        message, fields = outcome_summary(plan, outcomes)
        events.summarize(message, **fields)
    if plan.targets:
        from infermod.wrap import width, wrap

        warning = PARTIAL_APPLY.format(plan=hints.command("plan"))
        output.out("\n".join(output.style(line, "yellow") for line in wrap([warning], width())))
    if executor.reread_note:
        output.error(executor.reread_note)
    if executor.interrupted:
        terminated = isinstance(executor.interrupted, Terminated)
        output.error(
            f"{'terminated (SIGTERM)' if terminated else 'interrupted'}: see above what was done, "
            "what is still in progress in Scaleway, and what was not started"
        )
        return Terminated.exit_code if terminated else 130
    if any(not o.ok for o in outcomes):
        raise ApplyError(
            f"some changes failed (see above); run `{hints.command('plan')}` to see what is left to do"
        )
    show_outputs(config, session)
    return 0


def outcome_summary(plan: Plan, outcomes: list[Outcome]) -> tuple[str, dict[str, object]]:
    """The closing event's sentence and fields: what the run did, as its text view counts it."""
    deps = [o for o in outcomes if o.type == "deployment"]
    fields: dict[str, object] = {
        "operation": "destroy" if plan.destroy else "apply",
        "ok": all(o.ok for o in outcomes),
        "added": sum(1 for o in deps if o.result in ("created", "replaced")),
        "changed": sum(1 for o in deps if o.result == "updated"),
        "imported": sum(
            1 for o in deps if o.result == "imported" or (o.message or "").startswith("imported")
        ),
        "destroyed": sum(1 for o in outcomes if o.result in ("destroyed", "replaced")),
        "failed": sum(1 for o in outcomes if not o.ok),
    }
    text = render_destroy_outcomes(outcomes) if plan.destroy else render_outcomes(outcomes)
    return output.plain(text.strip().splitlines()[-1]), fields


def show_outputs(config: Config, session: Session) -> None:
    """Terraform's `Outputs:`: the endpoints of what the stack owns now, read after the run: one
    deployment per key, never a copy being deleted (a race's loser, a replaced deployment)."""
    from infermod.errors import FatalError
    from infermod.render.deployments import render_outputs

    try:
        with deadline.grace(30):  # a run that used its whole --timeout still gets its outputs
            state = session.read_deployments()
    except FatalError as exc:
        output.error(f"could not read the outputs ({exc}); `{hints.command('output')}` shows them")
        return
    # one deployment per key: its oldest live copy (the one every run keeps), never one being deleted
    owned = [copies[0] for _, copies in sorted(state.owned_by_key(config.stack).items())]
    if events.active():
        from infermod.render.deployments import deployments_json
        from infermod.render.events import emit_outputs

        emit_outputs(deployments_json(config.stack, owned))
    text = render_outputs(config.stack, owned)
    if text:
        output.out(text)


PARTIAL_APPLY = (
    "\nWarning: Applied changes may be incomplete\n\n"
    "The plan was made with --target, so changes the configuration asks for elsewhere may have "
    "been left out. Run `{plan}` to check that no other changes are pending."
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
        raise PlanError("the plan cannot be applied now: see the findings above; nothing was applied")
