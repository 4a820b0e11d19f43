"""The plan as a merge-request note, kept up to date in place.

The note goes to the merge request's own project (`CI_MERGE_REQUEST_PROJECT_ID`: for a merge
request from a fork, `CI_PROJECT_ID` is the fork). A hidden marker per stack finds the note
a previous pipeline wrote, and only a note written by the token's own user is edited: a
quoted plan or another bot's note carrying the marker is left alone and a fresh note is
posted. A refused or failed plan says so before anything else, so that an old plan never
looks current.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from infermod import output
from infermod.findings import Finding, severity_rank
from infermod.gitlab.api import GitLab, GitLabError, project_path
from infermod.gitlab.notes import marker, our_plan_notes
from infermod.gitlab.reviewed import hidden_comment
from infermod.plan.model import Plan
from infermod.render.markdown import GITLAB_NOTE_LIMIT, inline_code, inline_text, render_markdown

UNKNOWN = "?"  # a failure before the configuration named its stack
REQUIRED = ("CI_MERGE_REQUEST_IID",)
ERRORS_SHOWN = 20  # a failure note lists the configuration's first 20 errors


def blocking(findings: Sequence[Finding], fail_on: str | None) -> list[Finding]:
    """The findings that refuse the plan: errors, and what `--fail-on` makes fatal."""
    threshold = severity_rank(fail_on) if fail_on else severity_rank("error")
    return [f for f in findings if severity_rank(f.severity) >= threshold]


def post_plan_comment(
    plan: Plan, refused_by: Sequence[Finding] = (), environ: Mapping[str, str] | None = None
) -> bool:
    """Post or update the note; on failure say why and return False (the caller decides)."""
    env = os.environ if environ is None else environ
    # the markdown plan leads with its own refusal when the plan holds an error finding (every
    # gate, --fail-on included, is one): the header adds one only for what the plan does not say
    said = any(f.severity == "error" for f in plan.findings)
    header = provenance(env) + (_refusal(refused_by) if refused_by and not said else "")
    # what a reviewer approves, for `apply --require-reviewed` on the default branch: only a
    # plan that may be applied carries it
    reviewable = not refused_by and not said
    digest = hidden_comment(plan, env.get("CI_COMMIT_SHA", "")) + "\n" if reviewable else ""
    body = render_markdown(plan, header=header, limit=GITLAB_NOTE_LIMIT - 200 - len(digest))
    return _post(env, plan.stack, digest + body)


def post_failure_comment(
    stack: str | None,
    message: str,
    errors: Sequence[Finding] = (),
    environ: Mapping[str, str] | None = None,
) -> bool:
    """The plan could not be made: replace our note(s) so the last plan does not look current.

    Without a stack name (a configuration that does not load) every plan note of ours on the
    merge request is stale, so each one is updated. `errors`: the configuration's errors, of
    which the note lists the first 20 with their file and line.
    """
    env = os.environ if environ is None else environ
    text = (
        f"### infermod plan{f' — stack `{stack}`' if stack else ''}\n\n"
        "> [!caution]\n"
        f"> **The plan failed; there is no current plan.** {_quote(output.redact(message))}\n>\n"
        + _errors(errors)
        + "> Any plan shown here before is out of date. See the job log.\n"
    )
    return _post(env, stack, provenance(env) + "\n" + text, failed=True)


def _post(env: Mapping[str, str], stack: str | None, body: str, failed: bool = False) -> bool:
    try:
        written = upsert(env, stack, body)
    except GitLabError as exc:
        output.out(
            output.style(f"warning: the plan was not posted to the merge request: {exc}", "yellow", err=True),
            err=True,
        )
        return False
    what = "the failure" if failed else "the plan"
    for note_id, created in written:
        output.out(
            f"{'Posted' if created else 'Updated'} {what} on merge request "
            f"!{env['CI_MERGE_REQUEST_IID']} (note {note_id}).",
            err=True,
        )
    return True


def upsert(env: Mapping[str, str], stack: str | None, body: str) -> list[tuple[int, bool]]:
    """Write `body` (without its marker) into our note(s); (note id, created) for each."""
    api = GitLab.from_env(env, *REQUIRED)
    project = env.get("CI_MERGE_REQUEST_PROJECT_ID") or env.get("CI_PROJECT_ID")
    if not project:
        raise GitLabError("CI_MERGE_REQUEST_PROJECT_ID not set (run in a merge-request pipeline)")
    base = f"{project_path(project)}/merge_requests/{env['CI_MERGE_REQUEST_IID']}/notes"
    ours = _our_notes(api, base)  # note id -> the stack its marker names
    if stack is None:
        targets = list(ours.items())
    else:
        # Every note of ours for this stack: a POST that GitLab carried out but answered 502
        # (then retried) leaves two, and neither may go on showing an old plan.
        exact = [(i, s) for i, s in ours.items() if s == stack]
        targets = exact or [(i, s) for i, s in ours.items() if s == UNKNOWN][:1]
    written: list[tuple[int, bool]] = []
    for note_id, note_stack in targets:
        text = marker(stack or note_stack) + "\n" + body
        try:
            data = api.call("PUT", f"{base}/{note_id}", body={"body": text})
        except GitLabError as exc:
            if exc.status not in (403, 404):  # deleted or locked since it was listed: post afresh
                raise
            continue
        written.append((int(data["id"]), False))
    if not written:
        mark = stack or UNKNOWN

        def posted_already() -> dict[str, Any] | None:
            # a POST whose answer was lost may have made the note: look before posting again
            found = [i for i, s in _our_notes(api, base).items() if s == mark]
            return {"id": found[0]} if found else None

        data, _ = api.create(base, {"body": marker(mark) + "\n" + body}, posted_already)
        written.append((int(data["id"]), True))
    return written


def _our_notes(api: GitLab, base: str) -> dict[int, str]:
    """Our plan notes (marker, and written by the token's user): note id -> the stack."""
    found: dict[int, str] = {}
    for note_id, stack, _ in our_plan_notes(api, base):
        found.setdefault(note_id, stack)
    return found


def provenance(env: Mapping[str, str]) -> str:
    sha = env.get("CI_COMMIT_SHA", "")[:8] or "unknown"
    pipeline = env.get("CI_PIPELINE_ID", "")
    url = env.get("CI_PIPELINE_URL", "")
    where = (
        f"pipeline [#{pipeline}]({url})"
        if pipeline and url
        else (f"pipeline #{pipeline}" if pipeline else "a local run")
    )
    return f"<sub>Computed for commit `{sha}` in {where}.</sub>\n"


def _refusal(findings: Sequence[Finding]) -> str:
    lines = ["", "> [!caution]", "> **This plan was refused and cannot be applied:**"]
    lines += [f"> - `{f.rule_id}` {f.resource or ''}: {_quote(f.message)}" for f in findings[:20]]
    if len(findings) > 20:
        lines.append(f"> - … and {len(findings) - 20} more (see Findings below)")
    return "\n".join(lines) + "\n"


def _errors(errors: Sequence[Finding]) -> str:
    lines = []
    for f in errors[:ERRORS_SHOWN]:
        where = inline_code(f"{f.location.file}:{f.location.line}") + " " if f.location else ""
        lines.append(f"> - {where}{_quote(output.redact(f.message))} (`{f.rule_id}`)")
    if len(errors) > ERRORS_SHOWN:
        lines.append(f"> - … and {len(errors) - ERRORS_SHOWN} more (see the job log)")
    return "".join(line + "\n" for line in lines) + (">\n" if lines else "")


def _quote(text: str) -> str:
    """A message as one line of the note, shown as written: a name or value in it is never
    taken for markup that would hide the rest (see render.markdown.inline_text)."""
    return inline_text(" ".join(text.split()))
