"""Drift detection: `plan --detailed-exitcode --drift-issue` keeps one infermod-drift issue."""

from __future__ import annotations

import pytest

from tests.fake_gitlab import BOT_TOKEN, OTHER_TOKEN, FakeGitLab, Fault
from tests.gitlab.test_comment import ci_env
from tests.gitlab.test_reports import scenario

ISSUES = "/api/v4/projects/42/issues"


@pytest.fixture
def gitlab(monkeypatch):
    fake = FakeGitLab()
    ci_env(monkeypatch, fake.url)
    monkeypatch.delenv("CI_MERGE_REQUEST_IID")  # a scheduled pipeline on the default branch
    monkeypatch.setenv("CI_COMMIT_REF_NAME", "main")
    monkeypatch.setattr("infermod.gitlab.api.sleep", lambda _: None)
    yield fake
    fake.close()


def drift_issues(fake: FakeGitLab) -> list[dict]:
    return [i for i in fake.issues if "<!-- infermod-drift stack=mr -->" in i["description"]]


def test_drift_opens_updates_then_closes_one_issue(cli, scw_env, sdk, tmp_path, gitlab, monkeypatch):
    scenario(cli, sdk, tmp_path)
    # Someone else's issue with the label and even the marker (a copy) is never touched.
    foreign = gitlab.add_issue(OTHER_TOKEN, "<!-- infermod-drift stack=mr -->\ncopied", ["infermod-drift"])
    first = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert first.code == 2 and "Opened drift issue #2" in first.err, first.err
    ours = [i for i in drift_issues(gitlab) if i["author"]["id"] == 10]
    assert len(ours) == 1 and ours[0]["labels"] == ["infermod-drift"] and ours[0]["state"] == "opened"
    assert "no longer match its configuration on `main`" in ours[0]["description"]
    assert "Plan: 2 to add, 0 to change, 2 to destroy." in ours[0]["description"]

    monkeypatch.setenv("CI_PIPELINE_ID", "556")
    second = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert second.code == 2 and "Updated drift issue #2" in second.err
    assert len(gitlab.issues) == 2 and "[#556]" in gitlab.issues[1]["description"]

    assert cli("apply", "--auto-approve").code == 0  # the deployments match the configuration again
    third = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert third.code == 0 and "Closed drift issue #2" in third.err
    assert gitlab.issues[1]["state"] == "closed" and gitlab.issue_notes[0][0] == 2
    assert "No drift any more" in gitlab.issue_notes[0][1]
    assert foreign["state"] == "opened" and foreign["description"].endswith("copied")
    assert not any(method == "PUT" and path == f"{ISSUES}/1" for method, path in gitlab.requests)

    fourth = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert fourth.code == 0 and "no drift issue to close" in fourth.err
    assert BOT_TOKEN not in first.err + second.err + third.err + fourth.err


def test_drift_issue_failure_fails_the_job(cli, scw_env, sdk, tmp_path, gitlab):
    scenario(cli, sdk, tmp_path)
    gitlab.faults.append(Fault("POST", ISSUES, 403, {}, {"message": "403 Forbidden"}))
    result = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert result.code == 1
    assert (
        'the drift issue was not updated: GitLab answered 403 to POST /projects/42/issues: "403 Forbidden"'
        in (result.err)
    )


def test_duplicate_drift_issues_are_closed(cli, scw_env, sdk, tmp_path, gitlab):
    scenario(cli, sdk, tmp_path)
    for _ in range(2):
        gitlab.add_issue(BOT_TOKEN, "<!-- infermod-drift stack=mr -->\nold", ["infermod-drift"])
    result = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert result.code == 2 and "Updated drift issue #1" in result.err
    assert [i["state"] for i in gitlab.issues] == ["opened", "closed"]
    assert gitlab.issue_notes == [(2, "Duplicate of #1.")]
    assert "Plan: 2 to add" in gitlab.issues[0]["description"]
