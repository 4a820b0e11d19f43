"""Drift detection's output: one GitLab issue per stack, labelled `infermod-drift`.

A scheduled pipeline plans the default branch's configuration against the real deployments.
When they differ (someone changed a deployment by hand, or a merged configuration was never
applied), the issue is opened, or updated with the current plan; when they agree again it is
closed with a note. Only an issue the token's user opened is ever touched.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from infermod import output
from infermod.gitlab.api import GitLab, GitLabError, project_path
from infermod.gitlab.comment import provenance
from infermod.plan.model import Plan
from infermod.render.markdown import GITLAB_NOTE_LIMIT, render_markdown

LABEL = "infermod-drift"


def drift_marker(stack: str) -> str:
    return f"<!-- infermod-drift stack={stack} -->"


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
    issues = _open_issues(api, base, plan.stack)
    issue = issues[0] if issues else None
    for duplicate in issues[1:]:  # a POST that GitLab carried out but answered 502, retried
        _close(api, base, duplicate, f"Duplicate of #{issues[0]['iid']}.")
    if plan.has_changes:
        fields = {
            "title": f"infermod: stack {plan.stack} has drifted",
            "description": _description(plan, env),
        }
        if issue is not None:
            api.call("PUT", f"{base}/{issue['iid']}", body=fields)
            return f"Updated drift issue #{issue['iid']} ({LABEL}): the deployments differ from the configuration."
        data = api.call("POST", base, body={**fields, "labels": LABEL})
        return f"Opened drift issue #{data['iid']} ({LABEL}): {data.get('web_url', '')}".rstrip(": ")
    if issue is None:
        return "No drift; no drift issue to close."
    _close(api, base, issue, f"No drift any more: {provenance(env).strip()} Closing.")
    return f"Closed drift issue #{issue['iid']}: the deployments match the configuration again."


def _close(api: GitLab, base: str, issue: dict[str, Any], why: str) -> None:
    api.call("POST", f"{base}/{issue['iid']}/notes", body={"body": why})
    api.call("PUT", f"{base}/{issue['iid']}", body={"state_event": "close"})


def _open_issues(api: GitLab, base: str, stack: str) -> list[dict[str, Any]]:
    """Our open drift issues for the stack, oldest first."""
    me = api.user_id()
    mark = drift_marker(stack)
    found: list[dict[str, Any]] = []
    query = {
        "labels": LABEL,
        "state": "opened",
        "author_id": str(me),
        "order_by": "created_at",
        "sort": "asc",
    }
    for issue in api.pages(base, query):
        author = issue.get("author")
        # The query filters already; checked again because a GitLab that ignored a filter
        # must not make infermod edit someone else's issue.
        if (
            isinstance(author, dict)
            and author.get("id") == me
            and mark in str(issue.get("description") or "")
        ):
            found.append(issue)
    return found


def _description(plan: Plan, env: Mapping[str, str]) -> str:
    branch = env.get("CI_COMMIT_REF_NAME", "")
    header = (
        f"{drift_marker(plan.stack)}\n{provenance(env)}\n"
        f"The deployments of stack `{plan.stack}` no longer match its configuration"
        f"{f' on `{branch}`' if branch else ''}. Applying the configuration would make the changes "
        "below; either apply it, or change the configuration to match what is running. infermod "
        "closes this issue when they agree again.\n\n"
    )
    return render_markdown(plan, header=header, limit=GITLAB_NOTE_LIMIT)
