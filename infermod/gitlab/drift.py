"""Drift detection's output: one GitLab issue per stack, labelled `infermod-drift`.

A scheduled pipeline plans the default branch's configuration against the real deployments.
When they differ (someone changed a deployment by hand, or a merged configuration was never
applied), the issue is opened, or kept current; when they agree again it is closed with a note.

- One issue, never two: an open issue with the label that a person opened (for this stack, or
  for no stack in particular) is adopted instead of opening another; a creation whose answer
  was lost is looked for before it is sent again.
- Each run whose drift differs from the last one adds a comment saying what changed (a
  comment notifies the issue's subscribers; an edited description notifies nobody). A run
  whose drift is the same refreshes the description of infermod's own issue silently.
- Only infermod's own issue has its title and description rewritten; an adopted one gets
  comments, and is closed with a note when the deployments match again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from infermod import output
from infermod.gitlab.api import GitLab, GitLabError, project_path
from infermod.gitlab.comment import provenance
from infermod.lazyre import lazy
from infermod.plan.model import Plan
from infermod.render.markdown import GITLAB_NOTE_LIMIT, render_markdown

LABEL = "infermod-drift"
ANY_MARKER = "<!-- infermod-drift stack="
STATE_RE = lazy(r"<!-- infermod-drift-state (\{.*?\}) -->")

State = dict[str, str]  # address -> what the plan would do to it ("update: min_size, max_size")


def drift_marker(stack: str) -> str:
    return f"{ANY_MARKER}{stack} -->"


def sync_drift_issue(plan: Plan, environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    try:
        said = sync(plan, env)
    except GitLabError as exc:
        output.error(f"the drift issue was not updated: {exc}")
        return False
    output.out(said, err=True)
    return True


def sync(plan: Plan, env: Mapping[str, str]) -> str:
    api = GitLab.from_env(env, "CI_PROJECT_ID")
    base = f"{project_path(env['CI_PROJECT_ID'])}/issues"
    me = api.user_id()
    issue, duplicates = _find(api, base, plan.stack, me)
    for duplicate in duplicates:  # an earlier infermod's second issue
        _close(api, base, duplicate, f"Duplicate of #{issue['iid'] if issue else '?'}.", me)
    if not plan.has_changes:
        if issue is None:
            return "No drift; no drift issue to close."
        _close(api, base, issue, f"No drift any more: {provenance(env).strip()} Closing.", me)
        return f"Closed drift issue #{issue['iid']}: the deployments match the configuration again."
    state = drift_state(plan)
    if issue is None:
        fields = {"title": _title(plan), "description": _description(plan, env, state), "labels": LABEL}

        def opened_already() -> dict[str, Any] | None:
            return _find(api, base, plan.stack, me, ours_only=True)[0]

        data, _ = api.create(base, fields, opened_already)
        return f"Opened drift issue #{data['iid']} ({LABEL}): {data.get('web_url', '')}".rstrip(": ")
    ours = _is_ours(issue, me)
    previous = _previous_state(api, base, issue, me)
    if ours:  # silent: a changed description notifies nobody, the comment below does
        fields = {"title": _title(plan), "description": _description(plan, env, state)}
        api.call("PUT", f"{base}/{issue['iid']}", body=fields)
    if previous == state:
        return (
            f"Drift issue #{issue['iid']} ({LABEL}) is current: the drift is the same as at its last update."
        )
    note = _changes_note(plan, env, previous, state, adopted=not ours)
    _note(api, base, issue, note, me)
    how = "updated" if ours else "adopted"
    return (
        f"Drift issue #{issue['iid']} ({LABEL}) {how}, with a comment on what changed since the last update."
    )


def drift_state(plan: Plan) -> State:
    state: State = {}
    for change in plan.changes:
        if not change.changes_something:
            continue
        fields = sorted({f.field for f in change.field_changes})
        fields += ["endpoints"] if change.endpoint_changes and "endpoints" not in fields else []
        action = "-".join(change.actions)
        state[change.address] = action + (f": {', '.join(fields)}" if fields and action == "update" else "")
    return state


def _title(plan: Plan) -> str:
    return f"infermod: stack {plan.stack} has drifted"


def _is_ours(issue: dict[str, Any], me: int) -> bool:
    author = issue.get("author")
    return isinstance(author, dict) and author.get("id") == me


def _find(
    api: GitLab, base: str, stack: str, me: int, ours_only: bool = False
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """(the stack's drift issue, infermod's own duplicates of it to close).

    Open issues with the label, oldest first. The stack's issue is the oldest that is either
    infermod's own for this stack (its marker) or a person's that is for this stack (a copied
    marker) or for no stack in particular (no marker at all): that one is adopted. Another
    stack's issue is never taken."""
    mark = drift_marker(stack)
    query = {"labels": LABEL, "state": "opened", "order_by": "created_at", "sort": "asc"}
    found: list[dict[str, Any]] = []
    for issue in api.pages(base, query):
        text = str(issue.get("description") or "")
        if LABEL not in (issue.get("labels") or []) or issue.get("state") not in (None, "opened"):
            continue  # a GitLab that ignored a filter must not make infermod take another issue
        ours = _is_ours(issue, me)
        for_this_stack = mark in text and (ours or not ours_only)
        for_no_stack = not ours and not ours_only and ANY_MARKER not in text  # a person's report
        if for_this_stack or for_no_stack:
            found.append(issue)
    if not found:
        return None, []
    return found[0], [i for i in found[1:] if _is_ours(i, me) and mark in str(i.get("description") or "")]


def _previous_state(api: GitLab, base: str, issue: dict[str, Any], me: int) -> State | None:
    """What the issue said last: infermod's newest comment carrying a state, else (its own
    issue) the description; None when it never said anything (a newly adopted issue)."""
    query = {"order_by": "created_at", "sort": "desc"}
    for note in api.pages(f"{base}/{issue['iid']}/notes", query):
        author = note.get("author")
        if isinstance(author, dict) and author.get("id") == me:
            state = _parse_state(str(note.get("body") or ""))
            if state is not None:
                return state
    return _parse_state(str(issue.get("description") or "")) if _is_ours(issue, me) else None


def _parse_state(text: str) -> State | None:
    match = STATE_RE.search(text)
    if not match:
        return None
    try:
        data = json.loads(match.group(1))
    except ValueError:
        return None
    changes = data.get("changes") if isinstance(data, dict) else None
    if not isinstance(changes, dict):
        return None
    return {str(k): str(v) for k, v in changes.items()}


def _state_marker(stack: str, state: State) -> str:
    raw = json.dumps({"stack": stack, "changes": state}, sort_keys=True, separators=(",", ":"))
    safe = raw.replace("--", "-\\u002d")  # "--" inside the JSON could end the HTML comment
    return f"<!-- infermod-drift-state {safe} -->"


def _changes_note(
    plan: Plan, env: Mapping[str, str], previous: State | None, state: State, adopted: bool
) -> str:
    lines = [_state_marker(plan.stack, state), provenance(env)]
    if previous is None:
        lines.append(
            f"infermod's drift detection takes this issue for stack `{plan.stack}` "
            f"(it is labelled `{LABEL}`); it comments here on each change and closes it when "
            "the deployments match the configuration again. Drifted now:\n"
        )
        lines += [f"- `{address}`: {what}" for address, what in sorted(state.items())]
    else:
        lines.append(f"The drift of stack `{plan.stack}` changed since the last update:\n")
        for address in sorted(set(previous) | set(state)):
            before, after = previous.get(address), state.get(address)
            if before == after:
                continue
            if before is None:
                lines.append(f"- new: `{address}`: {after}")
            elif after is None:
                lines.append(f"- no longer drifted: `{address}` (was: {before})")
            else:
                lines.append(f"- `{address}`: was {before}, now {after}")
    text = "\n".join(lines) + "\n"
    if adopted:  # the description is a person's: the plan goes in the comment
        return render_markdown(plan, header=text + "\n", limit=GITLAB_NOTE_LIMIT)
    return text


def _note(api: GitLab, base: str, issue: dict[str, Any], body: str, me: int) -> None:
    path = f"{base}/{issue['iid']}/notes"

    def posted_already() -> dict[str, Any] | None:
        for note in api.pages(path, {"order_by": "created_at", "sort": "desc"}):
            author = note.get("author")
            if isinstance(author, dict) and author.get("id") == me and note.get("body") == body:
                return note
        return None

    api.create(path, {"body": body}, posted_already)


def _close(api: GitLab, base: str, issue: dict[str, Any], why: str, me: int) -> None:
    _note(api, base, issue, why, me)
    api.call("PUT", f"{base}/{issue['iid']}", body={"state_event": "close"})


def _description(plan: Plan, env: Mapping[str, str], state: State) -> str:
    branch = env.get("CI_COMMIT_REF_NAME", "")
    header = (
        f"{drift_marker(plan.stack)}\n{_state_marker(plan.stack, state)}\n{provenance(env)}\n"
        f"The deployments of stack `{plan.stack}` no longer match its configuration"
        f"{f' on `{branch}`' if branch else ''}. Applying the configuration would make the changes "
        "below; either apply it, or change the configuration to match what is running. infermod "
        "comments here when the drift changes and closes this issue when they agree again.\n\n"
    )
    return render_markdown(plan, header=header, limit=GITLAB_NOTE_LIMIT)
