"""`apply --require-reviewed`: the default branch applies only the plan reviewed on the merge
request, through the real CLI, against the emulator and a GitLab-like server."""

from __future__ import annotations

import json
import time

import pytest

from infermod.gitlab import reviewed
from tests.conftest import write
from tests.fake_gitlab import BOT_TOKEN, MR, OTHER_TOKEN, UPSTREAM, FakeGitLab
from tests.gitlab.test_comment import ci_env
from tests.helpers import create, owned

CONFIG = """\
version: 1
stack: rv
deployments:
  keep:
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: L4
    accept_eula: true
    endpoints: [{public: true}]
  new:
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: L4
    accept_eula: true
    endpoints: [{public: true}]
"""
REVIEWED_SHA = "1111111111111111111111111111111111111111"
MERGE_SHA = "2222222222222222222222222222222222222222"


@pytest.fixture
def gitlab(monkeypatch, waits_recorded):
    fake = FakeGitLab()
    ci_env(monkeypatch, fake.url)
    yield fake
    fake.close()


@pytest.fixture
def waits_recorded(monkeypatch):
    from infermod.gitlab import api

    asked: list[float] = []
    monkeypatch.setattr(api, "sleep", asked.append)
    monkeypatch.setattr(api, "clock", lambda: sum(asked))
    return asked


def reviewed_on_mr(cli, sdk, tmp_path, monkeypatch) -> None:
    """The merge-request pipeline: `keep` exists, `new` is to be created; the plan note is posted."""
    write(tmp_path / "infermod.yaml", CONFIG)
    create(sdk, "keep", owned("rv", "keep"))
    create(sdk, "old", owned("rv", "old"))  # no longer in the configuration: deleted
    settle(sdk)
    monkeypatch.setenv("CI_COMMIT_SHA", REVIEWED_SHA)
    result = cli("plan", "--comment")
    assert result.code == 0 and "Posted the plan on merge request !7" in result.err, result.err


def on_default_branch(monkeypatch) -> None:
    """The pipeline of the merge commit on main: no merge-request variables."""
    for key in ("CI_MERGE_REQUEST_IID", "CI_MERGE_REQUEST_PROJECT_ID"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("CI_COMMIT_SHA", MERGE_SHA)
    monkeypatch.setenv("CI_COMMIT_BRANCH", "main")
    monkeypatch.setenv("CI_PROJECT_ID", UPSTREAM)


def plan_and_apply(cli, *options: str):
    planned = cli("plan", "--out", "plan.json")
    assert planned.code == 0, planned.err
    return cli("apply", "plan.json", "--require-reviewed", *options)


def names(sdk) -> list[str]:
    return sorted(d.name for d in sdk.list_deployments_all() if d.status != "deleting")


def test_the_reviewed_plan_is_applied(cli, scw_env, sdk, tmp_path, monkeypatch, gitlab):
    reviewed_on_mr(cli, sdk, tmp_path, monkeypatch)
    note = gitlab.ours("infermod-plan stack=rv")[0]["body"]
    digest = reviewed.parse(note)
    assert digest is not None and digest["commit"] == REVIEWED_SHA
    assert [c[:2] for c in digest["changes"]] == [
        ["deployment.new", ["create"]],
        ["deployment.old", ["delete"]],
    ]
    assert BOT_TOKEN not in note
    on_default_branch(monkeypatch)
    gitlab.merged(MERGE_SHA)
    result = plan_and_apply(cli)
    assert result.code == 0, result.err
    assert "This plan is the plan reviewed on merge request !7 (note" in result.err
    assert "computed for commit 11111111" in result.err
    assert names(sdk) == ["keep", "new"]
    assert (
        "GET",
        f"/api/v4/projects/{UPSTREAM}/repository/commits/{MERGE_SHA}/merge_requests",
    ) in gitlab.requests


def test_a_deployment_deleted_by_hand_after_the_review_is_refused(
    cli, scw_env, sdk, tmp_path, monkeypatch, gitlab
):
    """After the review, someone deletes `keep` by hand: the post-merge plan re-creates it,
    which nobody reviewed."""
    reviewed_on_mr(cli, sdk, tmp_path, monkeypatch)
    keep = next(d for d in sdk.list_deployments_all() if d.name == "keep")
    sdk.delete_deployment(deployment_id=keep.id)
    on_default_branch(monkeypatch)
    gitlab.merged(MERGE_SHA)
    sdk_wait_gone(sdk, "keep")
    result = plan_and_apply(cli)
    assert result.code == 1
    assert "the plan to apply is not the plan reviewed on merge request !7" in result.err
    assert "deployment.keep: reviewed with no change, now (create)" in result.err
    assert "nothing was applied" in result.err
    assert names(sdk) == ["old"]  # nothing created, nothing deleted


def test_a_value_changed_by_hand_names_the_resource(cli, scw_env, sdk, tmp_path, monkeypatch, gitlab):
    """`old` scaled by hand: still a deletion, but not the deletion reviewed (other before)."""
    reviewed_on_mr(cli, sdk, tmp_path, monkeypatch)
    old = next(d for d in sdk.list_deployments_all() if d.name == "old")
    sdk.update_deployment(deployment_id=old.id, min_size=2, max_size=2)
    settle(sdk)
    on_default_branch(monkeypatch)
    gitlab.merged(MERGE_SHA)
    result = plan_and_apply(cli)
    assert result.code == 1, result.err
    assert "deployment.old: (delete) in both, with different details" in result.err
    assert names(sdk) == ["keep", "old"]


def sdk_wait_gone(sdk, name: str) -> None:
    deadline = time.monotonic() + 10
    while any(d.name == name for d in sdk.list_deployments_all()):
        assert time.monotonic() < deadline
        time.sleep(0.05)


def settle(sdk) -> None:
    """Every deployment ready: a saved plan is refused when a status moved since (stale)."""
    deadline = time.monotonic() + 10
    while any(d.status != "ready" for d in sdk.list_deployments_all()):
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_commit_without_merge_request_is_refused_unless_allowed(
    cli, scw_env, sdk, tmp_path, monkeypatch, gitlab
):
    """A direct push to main: nothing reviewed it. An open merge request that happens to contain
    the commit, or one merged into another branch, is no review of what main applies."""
    reviewed_on_mr(cli, sdk, tmp_path, monkeypatch)
    on_default_branch(monkeypatch)
    gitlab.merged(MERGE_SHA, state="opened")
    gitlab.merged(MERGE_SHA, iid=8, target_branch="release")
    result = plan_and_apply(cli)
    assert result.code == 1
    assert "commit 22222222 came with no merged merge request into main" in result.err
    assert "this plan was never reviewed; nothing was applied" in result.err
    assert "--allow-unreviewed" in result.err
    assert names(sdk) == ["keep", "old"]
    allowed = cli("apply", "plan.json", "--require-reviewed", "--allow-unreviewed")
    assert allowed.code == 0, allowed.err
    assert "applied anyway (--allow-unreviewed)" in allowed.err
    assert names(sdk) == ["keep", "new"]


def test_only_our_own_note_counts_as_the_review(cli, scw_env, sdk, tmp_path, monkeypatch, gitlab):
    """A note carrying the marker and a digest of the post-merge plan, written by someone else
    (a person, another bot), is no review; neither is our note of a failed plan."""
    write(tmp_path / "infermod.yaml", CONFIG)
    create(sdk, "keep", owned("rv", "keep"))
    settle(sdk)
    on_default_branch(monkeypatch)
    gitlab.merged(MERGE_SHA)
    assert cli("plan", "--out", "plan.json").code == 0
    from infermod.plan.planfile import load_embedded

    plan, _ = load_embedded(str(tmp_path / "plan.json"))
    forged = reviewed.hidden_comment(plan, MERGE_SHA)
    gitlab.add_note(OTHER_TOKEN, f"<!-- infermod-plan stack=rv -->\n{forged}\nlooks fine")
    result = cli("apply", "plan.json", "--require-reviewed")
    assert result.code == 1 and "merge request !7 has no infermod plan note for stack `rv`" in result.err
    gitlab.add_note(BOT_TOKEN, "<!-- infermod-plan stack=rv -->\n### infermod plan\n> The plan failed")
    result = cli("apply", "plan.json", "--require-reviewed")
    assert result.code == 1 and "holds no reviewable plan for stack `rv`" in result.err, result.err
    assert names(sdk) == ["keep"]
    # the same digest in our own note is the review
    gitlab.notes[-1]["body"] = f"<!-- infermod-plan stack=rv -->\n{forged}\n"
    assert cli("apply", "plan.json", "--require-reviewed").code == 0
    assert names(sdk) == ["keep", "new"]


def test_a_refused_plan_carries_no_digest(cli, scw_env, sdk, tmp_path, monkeypatch, gitlab):
    write(tmp_path / "infermod.yaml", CONFIG)
    create(sdk, "keep", owned("rv", "keep"))
    create(sdk, "old", owned("rv", "old"))
    assert cli("plan", "--comment", "--deny-destroy").code == 1
    body = gitlab.ours("infermod-plan stack=rv")[0]["body"]
    assert "refused" in body and reviewed.PREFIX not in body


def test_gitlab_unreachable_applies_nothing(cli, scw_env, sdk, tmp_path, monkeypatch, gitlab):
    reviewed_on_mr(cli, sdk, tmp_path, monkeypatch)
    on_default_branch(monkeypatch)
    monkeypatch.setenv("GITLAB_TOKEN", "revoked")
    result = plan_and_apply(cli)
    assert result.code == 1 and "cannot find the plan reviewed for this commit" in result.err
    assert "answered 401" in result.err and names(sdk) == ["keep", "old"]


def test_nothing_in_the_digest_can_close_its_comment(monkeypatch):
    monkeypatch.setattr(reviewed, "digest", lambda _plan, _commit: {"v": 1, "sha256": "x", "stack": "a-->b"})
    text = reviewed.hidden_comment(None, "")  # type: ignore[arg-type]
    assert text.count("-->") == 1 and text.endswith(" -->")
    assert reviewed.parse("note\n" + text + "\nmore")["stack"] == "a-->b"


def test_digest_text_round_trips(cli, scw_env, sdk, tmp_path, monkeypatch, gitlab):
    reviewed_on_mr(cli, sdk, tmp_path, monkeypatch)
    body = gitlab.ours("infermod-plan stack=rv")[0]["body"]
    line = next(x for x in body.splitlines() if x.startswith(reviewed.PREFIX))
    assert body.splitlines()[0] == "<!-- infermod-plan stack=rv -->" and body.splitlines()[1] == line
    data = json.loads(line.removeprefix(reviewed.PREFIX).removesuffix(" -->"))
    assert data == reviewed.parse(body) and data["v"] == 1 and data["stack"] == "rv"
    assert MR == "7"


def test_another_merge_first_names_the_changes_and_findings_nobody_reviewed(
    cli, scw_env, sdk, tmp_path, monkeypatch, gitlab
):
    """Another merge request landed first: the merged configuration adds a deployment (and its
    preview-model warning) that this merge request's note never showed."""
    reviewed_on_mr(cli, sdk, tmp_path, monkeypatch)
    coder = "  coder:\n    model: qwen/qwen3-coder-30b-a3b-instruct:fp8\n    node_type: L40S\n"
    write(tmp_path / "infermod.yaml", CONFIG + coder + "    endpoints: [{public: true}]\n")
    on_default_branch(monkeypatch)
    gitlab.merged(MERGE_SHA)
    result = plan_and_apply(cli)
    assert result.code == 1, result.err
    assert "deployment.coder: reviewed with no change, now (create)" in result.err
    assert "findings: a new warning `lifecycle-preview` on deployment.coder" in result.err
    assert "deployment.new" not in result.err  # the reviewed changes are not named
    assert names(sdk) == ["keep", "old"]


def test_a_fresh_apply_is_checked_too_and_the_token_never_printed(
    cli, scw_env, sdk, tmp_path, monkeypatch, gitlab
):
    """`apply -f FILE --auto-approve --require-reviewed` (no saved plan) is held to the review
    as well; a commit in two merged merge requests is no single review."""
    reviewed_on_mr(cli, sdk, tmp_path, monkeypatch)
    on_default_branch(monkeypatch)
    gitlab.merged(MERGE_SHA, merge_commit_sha=None, sha=MERGE_SHA)  # a fast-forward
    gitlab.merged(MERGE_SHA, iid=9, merge_commit_sha=None, sha=MERGE_SHA)
    result = cli("apply", "--auto-approve", "--require-reviewed")
    assert result.code == 1 and "belongs to several merged merge requests (!7, !9)" in result.err
    gitlab.commit_mrs[MERGE_SHA].pop()
    result = cli("apply", "--auto-approve", "--require-reviewed", "--json")
    assert result.code == 0, result.err
    assert names(sdk) == ["keep", "new"]
    assert all(BOT_TOKEN not in text for text in (result.out, result.err))


def test_allow_unreviewed_needs_require_reviewed(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", CONFIG)
    result = cli("apply", "--auto-approve", "--allow-unreviewed")
    assert result.code == 1 and "--allow-unreviewed only makes sense with --require-reviewed" in result.err
