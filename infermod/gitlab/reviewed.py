"""The reviewed plan as a contract between the merge request and the default branch.

The merge-request note carries, in a hidden comment beside its marker, a digest of what the
reviewer approves: the plan's changes and findings, as a saved plan is compared with its
re-derivation (`infermod.apply.verify`), and the commit the plan was computed for. After the
merge, `apply --require-reviewed` finds the merge request that brought the pipeline's commit
(`GET /projects/:id/repository/commits/:sha/merge_requests`), reads that note, and refuses
a plan whose digest is not the reviewed one, naming what differs.

What is digested: every resource change except no-ops (address, actions, before, after,
fields, endpoints, consequences, cost...: the plan JSON's `resource_changes` entries, whose
secrets are already redacted, without the deployments' live status), the stack, `destroy`, and every finding without its hint,
its YAML location and its counts of days (a line moved by another merge request or a day
passed is not a different plan). Only hashes go into the note; short per-change and
per-finding hashes let a refusal name what differs, the full SHA-256 decides.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from infermod.apply.verify import compared_finding
from infermod.errors import PlanError
from infermod.findings import Finding
from infermod.gitlab.api import GitLab, GitLabError, project_path
from infermod.gitlab.notes import our_plan_notes
from infermod.lazyre import lazy
from infermod.plan.codec import encode
from infermod.plan.model import NOOP, Plan

VERSION = 1  # of the digest's JSON; a reader refuses a version it does not know
PREFIX = "<!-- infermod-reviewed "
REVIEWED_RE = lazy(r"<!-- infermod-reviewed (\{.*?\}) -->")
SHORT = 16  # hex digits of a per-change or per-finding hash: to name a difference, not to decide
DETAILS_LIMIT = 200_000  # characters; beyond, only the full digest is kept (the refusal names less)
SHOWN = 10  # differences named in a refusal


def _hash(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _change_form(change: dict[str, Any]) -> dict[str, Any]:
    """A `resource_changes` entry without the live status (a deployment still `creating` at the
    review and `ready` now is the same change)."""
    inner = dict(change["change"])
    for side in ("before", "after"):
        if isinstance(inner.get(side), dict):
            inner[side] = {k: v for k, v in inner[side].items() if k != "status"}
    return {k: v for k, v in change.items() if k != "status"} | {"change": inner}


def _finding_form(f: Finding) -> dict[str, object]:
    data = compared_finding(f).to_json()
    data.pop("location")
    return data


def digest(plan: Plan, commit: str) -> dict[str, Any]:
    """What a reviewer approves, as hashes: the note's hidden comment holds exactly this."""
    changes = [
        _change_form(c) for c in encode(plan)["resource_changes"] if tuple(c["change"]["actions"]) != NOOP
    ]
    findings = sorted((_finding_form(f) for f in plan.findings), key=_hash)
    whole = {"stack": plan.stack, "destroy": plan.destroy, "changes": changes, "findings": findings}
    data: dict[str, Any] = {
        "v": VERSION,
        "commit": commit,
        "stack": plan.stack,
        "destroy": plan.destroy,
        "sha256": _hash(whole),
        "changes": [[c["address"], c["change"]["actions"], _hash(c)[:SHORT]] for c in changes],
        "findings": [[f["severity"], f["rule_id"], f["resource"], _hash(f)[:SHORT]] for f in findings],
    }
    if len(json.dumps(data)) > DETAILS_LIMIT:
        data["changes"], data["findings"] = None, None
    return data


def hidden_comment(plan: Plan, commit: str) -> str:
    # `>` only ever appears inside JSON strings: escaped, nothing in it can close the comment
    text = json.dumps(digest(plan, commit), separators=(",", ":")).replace(">", "\\u003e")
    return f"{PREFIX}{text} -->"


def parse(body: str) -> dict[str, Any] | None:
    match = REVIEWED_RE.search(body)
    if match is None:
        return None
    try:
        data = json.loads(match.group(1))
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("v") != VERSION or not isinstance(data.get("sha256"), str):
        return None
    return data


def differences(reviewed: Mapping[str, Any], plan: Plan) -> list[str]:
    """What differs between the reviewed digest and `plan`, in words; empty when they agree."""
    now = digest(plan, "")
    if now["sha256"] == reviewed["sha256"]:
        return []
    said: list[str] = []
    if reviewed.get("destroy") != now["destroy"]:
        said.append(
            f"destroy: reviewed {json.dumps(reviewed.get('destroy'))}, now {json.dumps(now['destroy'])}"
        )
    then_changes, now_changes = reviewed.get("changes"), now["changes"]
    if isinstance(then_changes, list) and now_changes is not None:
        before = {str(c[0]): c for c in then_changes if isinstance(c, list) and len(c) == 3}
        after = {str(c[0]): c for c in now_changes}
        for address in list(before) + [a for a in after if a not in before]:
            a, b = before.get(address), after.get(address)
            if a is None and b is not None:
                said.append(f"{address}: reviewed with no change, now {_actions(b[1])}")
            elif b is None and a is not None:
                said.append(f"{address}: reviewed {_actions(a[1])}, now no change")
            elif a is not None and b is not None and a[1] != b[1]:
                said.append(f"{address}: reviewed {_actions(a[1])}, now {_actions(b[1])}")
            elif a is not None and b is not None and a[2] != b[2]:
                said.append(
                    f"{address}: {_actions(b[1])} in both, with different details (values, state or cost)"
                )
    then_findings, now_findings = reviewed.get("findings"), now["findings"]
    if isinstance(then_findings, list) and now_findings is not None:
        seen = {str(f[3]) for f in then_findings if isinstance(f, list) and len(f) == 4}
        shown = {str(f[3]) for f in now_findings}
        said += [
            f"findings: a new {f[0]} `{f[1]}` on {f[2] or 'the stack'}"
            for f in now_findings
            if f[3] not in seen
        ]
        said += [
            f"findings: the reviewed {f[0]} `{f[1]}` on {f[2] or 'the stack'} is gone"
            for f in then_findings
            if isinstance(f, list) and len(f) == 4 and f[3] not in shown
        ]
    return said or ["the plans differ (the note was too large to name each change)"]


def _actions(actions: Any) -> str:
    return "(" + ", ".join(map(str, actions)) + ")" if isinstance(actions, list) else "(?)"


# ---- the default branch: find the review, compare ---------------------------------------
def require_reviewed(plan: Plan, allow_unreviewed: bool, env: Mapping[str, str]) -> None:
    """Return when `plan` is the plan reviewed on the merge request that brought the commit;
    raise PlanError (nothing applied) otherwise. `allow_unreviewed`: go on when there is no
    reviewed plan at all (a direct push), never when a reviewed plan differs."""
    try:
        found = _reviewed_note(plan.stack, env)
    except GitLabError as exc:
        raise PlanError(
            f"cannot find the plan reviewed for this commit: {exc}; nothing was applied"
        ) from None
    if isinstance(found, str):
        if allow_unreviewed:
            from infermod import output

            output.out(
                output.style(f"warning: {found}; applied anyway (--allow-unreviewed)", "yellow", err=True),
                err=True,
            )
            return
        raise PlanError(
            f"{found}, so this plan was never reviewed; nothing was applied.\n"
            "Bring the change through a merge request (its plan job posts the plan for review), or "
            "apply with --allow-unreviewed to accept an unreviewed plan."
        )
    where, reviewed = found
    said = differences(reviewed, plan)
    if said:
        more = f"\n  - … and {len(said) - SHOWN} more" if len(said) > SHOWN else ""
        raise PlanError(
            f"the plan to apply is not the plan reviewed on {where}; nothing was applied:\n  - "
            + "\n  - ".join(said[:SHOWN])
            + more
            + "\nThe configuration or the deployments changed since the review (another merge, a change "
            "by hand). Open a merge request so that its plan is reviewed, or review this plan and "
            "apply it by hand."
        )
    from infermod import output

    output.out(f"This plan is the plan reviewed on {where}.", err=True)


def _reviewed_note(stack: str, env: Mapping[str, str]) -> tuple[str, dict[str, Any]] | str:
    """(where, the reviewed digest), or why there is none."""
    api = GitLab.from_env(env, "CI_PROJECT_ID", "CI_COMMIT_SHA")
    sha = env["CI_COMMIT_SHA"]
    branch = env.get("CI_COMMIT_BRANCH") or env.get("CI_DEFAULT_BRANCH") or ""
    path = f"{project_path(env['CI_PROJECT_ID'])}/repository/commits/{sha}/merge_requests"
    merged = [
        mr
        for mr in api.pages(path, {})
        if mr.get("state") == "merged"
        and isinstance(mr.get("iid"), int)
        and (not branch or mr.get("target_branch") == branch)
    ]
    exact = [
        mr for mr in merged if sha in (mr.get("merge_commit_sha"), mr.get("squash_commit_sha"), mr.get("sha"))
    ]
    chosen = exact or merged
    if not chosen:
        return f"commit {sha[:8]} came with no merged merge request{f' into {branch}' if branch else ''}"
    if len({(mr.get("project_id"), mr["iid"]) for mr in chosen}) > 1:
        names = ", ".join(f"!{mr['iid']}" for mr in chosen)
        return f"commit {sha[:8]} belongs to several merged merge requests ({names}): which review holds is unclear"
    mr = chosen[0]
    project = str(mr.get("project_id") or env["CI_PROJECT_ID"])
    where = f"merge request !{mr['iid']}"
    notes = f"{project_path(project)}/merge_requests/{mr['iid']}/notes"
    # only the token's own notes: a quoted plan, a person's or another bot's note is no review
    ours = [(i, body) for i, named, body in our_plan_notes(api, notes) if named == stack]
    if not ours:
        return f"{where} has no infermod plan note for stack `{stack}`"
    note_id, body = ours[-1]
    reviewed = parse(body)
    if reviewed is None or reviewed.get("stack") != stack:
        return (
            f"the plan note on {where} (note {note_id}) holds no reviewable plan for stack `{stack}` "
            "(its last plan failed or was refused, or an older infermod wrote it)"
        )
    commit = str(reviewed.get("commit") or "")[:8] or "an unknown commit"
    return f"{where} (note {note_id}, computed for commit {commit})", reviewed
