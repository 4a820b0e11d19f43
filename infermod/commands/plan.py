"""`infermod plan`: read, diff, show; optionally save, report to GitLab, and gate."""

from __future__ import annotations

import os

import click

from infermod import events, hints, output
from infermod.commands.common import gate_failed, load_valid_config, read_and_plan
from infermod.errors import ConfigError, FatalError
from infermod.plan.model import Plan
from infermod.render.views import render_plan
from infermod.rules.policy import Policy
from infermod.scw import deadline
from infermod.scw.session import open_session


def run(
    files: tuple[str, ...],
    fmt: str,
    out_file: str | None,
    detailed_exitcode: bool,
    deny_destroy: bool,
    max_monthly_cost: float | None,
    gitlab_report: str | None,
    comment: bool,
    comment_required: bool,
    drift_issue: bool,
    profile: str | None,
    sandbox: bool,
    fail_on: str | None,
    eol_horizon: int | None,
    codequality: str | None,
    junit: str | None,
    check_models: bool,
    targets: tuple[str, ...] = (),
    replace: tuple[str, ...] = (),
    timeout: float = 600.0,
    destroy: bool = False,
) -> int:
    deadline.start(timeout)
    # Asking for the note to be required is asking for the note: alone it used to do nothing.
    comment = comment or comment_required
    if drift_issue and targets:  # a partial plan must not close a drift issue as "no changes"
        raise click.UsageError("--drift-issue needs a full plan: drop --target")
    with _FailureNote(comment) as note:
        config, findings = load_valid_config(files)
        note.stack = config.stack
        with open_session(profile, sandbox, config.projects, config.stack) as session:
            plan, _ = read_and_plan(
                config,
                session,
                eol_horizon,
                destroy=destroy,
                policy=Policy(deny_destroy, max_monthly_cost, fail_on),
                prior_findings=findings,
                check_models=check_models,
                targets=targets,
                replace=replace,
            )
    output.out(render_plan(plan, fmt))
    if events.active():
        from infermod.render.events import emit_plan
        from infermod.render.symbols import summary_line

        emit_plan(plan)
        events.summarize(summary_line(plan), operation="plan", changes=plan.summary(), **counts_of(plan))
    write_reports(plan, gitlab_report, codequality, junit)
    failed = gate_failed(plan.findings, fail_on)
    note_missing = False
    if comment or drift_issue:
        from infermod.gitlab.publish import Published, publish

        published = publish(plan, failed, fail_on, comment, comment_required, drift_issue)
        note_missing = published is Published.NOTE_NOT_WRITTEN
        if published is Published.FAILED and not failed:
            output.error(
                "the plan was not posted to GitLab" + ("; no plan file was written" if out_file else "")
            )
            return 1
    if failed:
        output.error(
            "the plan is refused: see the findings above" + ("; no plan file was written" if out_file else "")
        )
        return 1
    if out_file:
        from infermod.plan.embed import Embedded, Gates, sources_of
        from infermod.plan.planfile import save
        from infermod.plan.variables import record

        gates = Gates(deny_destroy, max_monthly_cost, fail_on, eol_horizon)
        sources = sources_of(config)
        variables = record(config, os.environ)
        save(plan, out_file, Embedded(sources, gates, variables))
        output.out(
            f"Saved the plan to {out_file}: apply it with `{hints.command('apply', out_file, files=False)}`",
            err=fmt != "text",
        )
    if note_missing:  # the plan is good; the note on the merge request may show an older one
        from infermod.gitlab.publish import NOTE_NOT_WRITTEN

        warning = (
            f"exit {NOTE_NOT_WRITTEN}: the merge-request note was not updated, so it may show an older plan"
        )
        output.out(output.style(f"warning: {warning}", "yellow", err=True), err=True)
        return NOTE_NOT_WRITTEN
    if detailed_exitcode and plan.has_changes:
        return 2
    return 0


class _FailureNote:
    """With --comment, a plan that fails replaces the merge request's note: it must not go on
    showing the previous pipeline's plan as current. The stack is known once the
    configuration has loaded (before that, every plan note of ours is stale)."""

    def __init__(self, wanted: bool) -> None:
        self.wanted = wanted
        self.stack: str | None = None

    def __enter__(self) -> _FailureNote:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if self.wanted and isinstance(exc, FatalError):
            from infermod.gitlab.comment import post_failure_comment

            post_failure_comment(self.stack, str(exc), exc.errors if isinstance(exc, ConfigError) else ())


def counts_of(plan: Plan) -> dict[str, object]:
    from infermod.render.findings import counts

    return {"findings": counts(plan.findings), "has_changes": plan.has_changes}


def write_reports(plan: Plan, gitlab_report: str | None, codequality: str | None, junit: str | None) -> None:
    if not (gitlab_report or codequality or junit):
        return
    from infermod.gitlab import reports

    if gitlab_report:
        reports.write_terraform_report(gitlab_report, plan)
    if codequality:
        reports.write_codequality(codequality, list(plan.findings))
    if junit:
        reports.write_junit(junit, list(plan.findings), [c.address for c in plan.changes])
