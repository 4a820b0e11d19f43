"""What `plan` hands to GitLab after a plan is made: the merge-request note, the drift issue."""

from __future__ import annotations

from infermod.gitlab.comment import blocking, post_plan_comment
from infermod.gitlab.drift import sync_drift_issue
from infermod.plan.model import Plan


def publish(
    plan: Plan, refused: bool, fail_on: str | None, comment: bool, comment_required: bool, drift_issue: bool
) -> bool:
    """False when the command must fail because of GitLab (a required note, the drift issue)."""
    ok = True
    if comment:
        posted = post_plan_comment(plan, blocking(plan.findings, fail_on) if refused else ())
        ok = posted or not comment_required
    if drift_issue:  # the drift job's whole output is the issue: failing to write it fails the job
        ok = sync_drift_issue(plan) and ok
    return ok
