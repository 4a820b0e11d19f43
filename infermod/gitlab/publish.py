"""What `plan` hands to GitLab after a plan is made: the merge-request note, the drift issue."""

from __future__ import annotations

from enum import Enum

from infermod.gitlab.comment import blocking, post_plan_comment
from infermod.gitlab.drift import sync_drift_issue
from infermod.plan.model import Plan

# `plan --comment`: the plan is made (and saved), but the merge-request note could not be
# written, so the note on the merge request may show an older plan. The templates map it to
# `allow_failure: exit_codes`, so the job shows as a warning instead of a silent green.
NOTE_NOT_WRITTEN = 3


class Published(Enum):
    OK = "ok"
    NOTE_NOT_WRITTEN = "note not written"  # a warning: the plan itself is good
    FAILED = "failed"  # a required note, or the drift issue, could not be written


def publish(
    plan: Plan, refused: bool, fail_on: str | None, comment: bool, comment_required: bool, drift_issue: bool
) -> Published:
    outcome = Published.OK
    if comment and not post_plan_comment(plan, blocking(plan.findings, fail_on) if refused else ()):
        outcome = Published.FAILED if comment_required else Published.NOTE_NOT_WRITTEN
    # the drift job's whole output is the issue: failing to write it fails the job
    if drift_issue and not sync_drift_issue(plan):
        outcome = Published.FAILED
    return outcome
