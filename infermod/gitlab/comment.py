"""The plan as a merge-request note, kept up to date in place.

Uses GitLab's predefined CI variables (CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID,
CI_COMMIT_SHA, CI_PIPELINE_ID, CI_PIPELINE_URL) and a token in GITLAB_TOKEN. A hidden marker
per stack finds the note a previous pipeline wrote, which is edited instead of adding another.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import requests

from infermod import output
from infermod.plan.model import Plan
from infermod.render.markdown import GITLAB_NOTE_LIMIT, render_markdown
from infermod.secrets import Secret

TIMEOUT = (5.0, 30.0)
MAX_PAGES = 50


class CommentError(Exception):
    pass


def marker(stack: str) -> str:
    return f"<!-- infermod-plan stack={stack} -->"


def post_plan_comment(plan: Plan, environ: Mapping[str, str] | None = None) -> bool:
    """Post or update the note; on failure say why and return False (the caller decides)."""
    env = os.environ if environ is None else environ
    try:
        note_id, created = upsert_note(plan, env)
    except CommentError as exc:
        output.out(
            output.style(f"warning: the plan was not posted to the merge request: {exc}", "yellow", err=True),
            err=True,
        )
        return False
    output.out(
        f"{'Posted' if created else 'Updated'} the plan on merge request !{env['CI_MERGE_REQUEST_IID']} (note {note_id}).",
        err=True,
    )
    return True


def upsert_note(plan: Plan, env: Mapping[str, str]) -> tuple[int, bool]:
    missing = [
        k
        for k in ("CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID", "GITLAB_TOKEN")
        if not env.get(k)
    ]
    if missing:
        raise CommentError(
            f"{', '.join(missing)} not set (run in a merge-request pipeline, with GITLAB_TOKEN as a masked variable)"
        )
    token = env["GITLAB_TOKEN"]
    output.register_secrets([Secret(token, "env:GITLAB_TOKEN")])
    base = f"{env['CI_API_V4_URL'].rstrip('/')}/projects/{quote(env['CI_PROJECT_ID'], safe='')}/merge_requests/{env['CI_MERGE_REQUEST_IID']}/notes"
    body = note_body(plan, env)
    session = requests.Session()
    session.headers["PRIVATE-TOKEN"] = token
    existing = _find(session, base, marker(plan.stack))
    if existing is not None:
        data = _call(session, "PUT", f"{base}/{existing}", {"body": body})
        return int(data["id"]), False
    data = _call(session, "POST", base, {"body": body})
    return int(data["id"]), True


def note_body(plan: Plan, env: Mapping[str, str]) -> str:
    sha = env.get("CI_COMMIT_SHA", "")[:8] or "unknown"
    pipeline = env.get("CI_PIPELINE_ID", "")
    url = env.get("CI_PIPELINE_URL", "")
    where = (
        f"pipeline [#{pipeline}]({url})"
        if pipeline and url
        else (f"pipeline #{pipeline}" if pipeline else "a local run")
    )
    header = f"{marker(plan.stack)}\n<sub>Computed for commit `{sha}` in {where}.</sub>\n"
    return render_markdown(plan, header=header, limit=GITLAB_NOTE_LIMIT)


def _find(session: requests.Session, base: str, mark: str) -> int | None:
    page = "1"
    for _ in range(MAX_PAGES):
        response = _request(session, "GET", base, params={"per_page": "100", "page": page, "sort": "asc"})
        for note in response.json():
            if isinstance(note, dict) and mark in str(note.get("body", "")) and not note.get("system"):
                return int(note["id"])
        page = response.headers.get("x-next-page", "")
        if not page:
            return None
    return None


def _call(session: requests.Session, method: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
    return _request(session, method, url, json=body).json()  # type: ignore[no-any-return]


def _request(session: requests.Session, method: str, url: str, **kwargs: Any) -> requests.Response:
    try:
        response = session.request(method, url, timeout=TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        raise CommentError(f"cannot reach GitLab ({type(exc).__name__})") from None
    if response.status_code >= 400:
        hint = {
            401: "GITLAB_TOKEN was refused",
            403: "GITLAB_TOKEN may not write notes (needs the api scope)",
            404: "project or merge request not found",
        }
        raise CommentError(
            f"GitLab answered {response.status_code} to {method}: {hint.get(response.status_code, response.reason)}"
        )
    return response
