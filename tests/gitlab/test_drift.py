"""Drift detection: `plan --detailed-exitcode --drift-issue` keeps one infermod-drift issue."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.conftest import write
from tests.fake_gitlab import ADMIN_TOKEN, BOT_TOKEN, DROP, OTHER_TOKEN, FakeGitLab, Fault
from tests.gitlab.test_comment import ci_env
from tests.gitlab.test_reports import CONFIG, scenario
from tests.helpers import create, owned

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


def notes_on(fake: FakeGitLab, iid: int) -> list[str]:
    return [body for i, body in fake.issue_notes if i == iid]


def without_new(tmp_path) -> None:
    """The configuration drops `new`: the drift now lacks its creation."""
    write(tmp_path / "infermod.yaml", CONFIG.split("  new:")[0])


def test_drift_opens_comments_on_changes_then_closes_one_issue(
    cli, scw_env, sdk, tmp_path, gitlab, monkeypatch
):
    scenario(cli, sdk, tmp_path)
    # Another stack's issue, even a person's, is never taken.
    other = gitlab.add_issue(OTHER_TOKEN, "<!-- infermod-drift stack=other -->\nmine", ["infermod-drift"])
    first = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert first.code == 2 and "Opened drift issue #2" in first.err, first.err
    ours = [i for i in drift_issues(gitlab) if i["author"]["id"] == 10]
    assert len(ours) == 1 and ours[0]["labels"] == ["infermod-drift"] and ours[0]["state"] == "opened"
    assert "no longer match its configuration on `main`" in ours[0]["description"]
    assert "Plan: 2 to add, 0 to change, 2 to destroy." in ours[0]["description"]

    monkeypatch.setenv("CI_PIPELINE_ID", "556")
    second = cli("plan", "--detailed-exitcode", "--drift-issue")  # the same drift: no comment
    assert second.code == 2 and "Drift issue #2 (infermod-drift) is current" in second.err, second.err
    assert (
        len(gitlab.issues) == 2 and "[#556]" in gitlab.issues[1]["description"] and notes_on(gitlab, 2) == []
    )

    without_new(tmp_path)
    monkeypatch.setenv("CI_PIPELINE_ID", "557")
    third = cli("plan", "--detailed-exitcode", "--drift-issue")  # the drift changed: a comment says how
    assert third.code == 2 and "Drift issue #2 (infermod-drift) updated, with a comment" in third.err
    (comment,) = notes_on(gitlab, 2)
    assert "- no longer drifted: `deployment.new` (was: create)" in comment and "[#557]" in comment
    assert "deployment.keep" not in comment.split(" -->", 1)[1]  # (past the hidden state) unchanged
    assert "Plan: 1 to add, 0 to change, 2 to destroy." in gitlab.issues[1]["description"]

    assert cli("apply", "--auto-approve").code == 0  # the deployments match the configuration again
    fourth = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert fourth.code == 0 and "Closed drift issue #2" in fourth.err
    assert gitlab.issues[1]["state"] == "closed" and "No drift any more" in notes_on(gitlab, 2)[-1]
    assert other["state"] == "opened" and other["description"].endswith("mine") and notes_on(gitlab, 1) == []
    assert not any(path.startswith(f"{ISSUES}/1") for method, path in gitlab.requests if method != "GET")

    fifth = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert fifth.code == 0 and "no drift issue to close" in fifth.err
    assert BOT_TOKEN not in first.err + second.err + third.err + fourth.err + fifth.err


@pytest.mark.parametrize("person", [OTHER_TOKEN, ADMIN_TOKEN])  # user ids above and below the bot's
def test_a_persons_labelled_issue_is_adopted_never_doubled(
    cli, scw_env, sdk, tmp_path, gitlab, monkeypatch, person
):
    scenario(cli, sdk, tmp_path)
    human = gitlab.add_issue(person, "The chat deployment looks off, please check.", ["infermod-drift"])
    first = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert first.code == 2 and "Drift issue #1 (infermod-drift) adopted" in first.err, first.err
    assert len(gitlab.issues) == 1 and human["description"] == "The chat deployment looks off, please check."
    (taken,) = notes_on(gitlab, 1)  # the plan goes in the comment: the description is the person's
    assert (
        "takes this issue for stack `mr`" in taken and "Plan: 2 to add, 0 to change, 2 to destroy." in taken
    )
    assert "- `deployment.new`: create" in taken

    again = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert again.code == 2 and "is current" in again.err and len(notes_on(gitlab, 1)) == 1

    without_new(tmp_path)
    changed = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert changed.code == 2 and "adopted, with a comment" in changed.err and len(gitlab.issues) == 1
    assert "no longer drifted: `deployment.new`" in notes_on(gitlab, 1)[-1]

    assert cli("apply", "--auto-approve").code == 0
    closed = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert closed.code == 0 and "Closed drift issue #1" in closed.err and human["state"] == "closed"
    assert human["description"] == "The chat deployment looks off, please check."
    assert not any(method == "PUT" and "description" in path for method, path in gitlab.requests)


@pytest.mark.parametrize("lost", [502, DROP])
def test_an_issue_or_comment_whose_answer_was_lost_is_not_made_twice(
    cli, scw_env, sdk, tmp_path, gitlab, lost
):
    scenario(cli, sdk, tmp_path)
    gitlab.faults.append(Fault("POST", ISSUES, lost, {}, {"message": "502 Bad Gateway"}, carried_out=True))
    first = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert first.code == 2 and "Opened drift issue #1" in first.err, first.err
    assert len(gitlab.issues) == 1 and gitlab.requests.count(("POST", ISSUES)) == 1
    without_new(tmp_path)
    gitlab.faults.append(Fault("POST", f"{ISSUES}/1/notes", lost, {}, {}, carried_out=True))
    second = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert second.code == 2 and "updated, with a comment" in second.err, second.err
    assert len(notes_on(gitlab, 1)) == 1 and gitlab.requests.count(("POST", f"{ISSUES}/1/notes")) == 1


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
    assert result.code == 2 and "Drift issue #1 (infermod-drift) updated" in result.err, result.err
    assert [i["state"] for i in gitlab.issues] == ["opened", "closed"]
    assert gitlab.issue_notes[0] == (2, "Duplicate of #1.")
    assert "Plan: 2 to add" in gitlab.issues[0]["description"]


def test_another_stacks_drift_issue_of_ours_is_never_taken_over(cli, scw_env, sdk, tmp_path, gitlab):
    # the same bot keeps the drift issues of several stacks in one project, "mr-two" included
    scenario(cli, sdk, tmp_path)
    others = [
        gitlab.add_issue(BOT_TOKEN, f"<!-- infermod-drift stack={name} -->\ntheirs", ["infermod-drift"])
        for name in ("other", "mr-two")
    ]
    result = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert result.code == 2 and "Opened drift issue #3" in result.err, result.err
    assert cli("apply", "--auto-approve").code == 0
    result = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert result.code == 0 and "Closed drift issue #3" in result.err, result.err
    assert [i["state"] for i in others] == ["opened", "opened"]
    assert all(i["description"].endswith("theirs") for i in others)
    assert [iid for iid, _ in gitlab.issue_notes] == [3]
    assert not any(
        method == "PUT" and path in (f"{ISSUES}/1", f"{ISSUES}/2") for method, path in gitlab.requests
    )


def test_an_issue_the_token_wrote_for_something_else_is_never_rewritten(cli, scw_env, sdk, tmp_path, gitlab):
    # the same token (a project bot) also files other labelled issues: no marker, not a drift issue
    scenario(cli, sdk, tmp_path)
    other = gitlab.add_issue(BOT_TOKEN, "release checklist", ["infermod-drift"])
    result = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert result.code == 2 and "Opened drift issue #2" in result.err, result.err
    assert other["description"] == "release checklist" and other["state"] == "opened"
    assert not any(path.startswith(f"{ISSUES}/1") for method, path in gitlab.requests if method != "GET")


MR = "<!-- infermod-drift stack=mr -->"
STATES = """\
version: 1
stack: mr
deployments:
""" + "".join(
    f"""\
  {key}:
    model: meta/llama-3.1-8b-instruct:fp8
    node_type: {"L40S" if key == "d" else "L4"}
    accept_eula: true
    endpoints: [{{public: true{", disable_auth: true" if key == "c" else ""}}}]
"""
    for key in "abcd"
)


def state_of(text: str) -> dict[str, Any]:
    """The drift state hidden in an issue's description or comment."""
    (raw,) = re.findall(r"<!-- infermod-drift-state (\{.*?\}) -->", text)
    return json.loads(raw)  # type: ignore[no-any-return]


def test_the_drift_state_names_each_drifted_resource_and_what_changes(cli, scw_env, sdk, tmp_path, gitlab):
    """a unchanged (it sorts first: the others are still listed), b's sizes changed by hand,
    c's endpoint, d on another node type (replaced: no field list after a replacement)."""
    write(tmp_path / "infermod.yaml", STATES)
    for key in "acd":
        create(sdk, key, owned("mr", key))
    create(sdk, "b", owned("mr", "b"), size=2)
    result = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert result.code == 2 and "Opened drift issue #1" in result.err, result.err
    assert state_of(gitlab.issues[0]["description"]) == {
        "stack": "mr",
        "changes": {
            "deployment.b": "update: max_size, min_size",
            "deployment.c": "update: endpoints",
            "deployment.d": "delete-create",
        },
    }


@pytest.mark.parametrize("person", [OTHER_TOKEN, ADMIN_TOKEN])
def test_a_persons_issue_carrying_the_stacks_marker_is_adopted_never_closed_as_a_duplicate(
    cli, scw_env, sdk, tmp_path, gitlab, person
):
    scenario(cli, sdk, tmp_path)
    copied = gitlab.add_issue(person, f"{MR}\ncopied from the bot's issue", ["infermod-drift"])
    result = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert result.code == 2 and "Drift issue #1 (infermod-drift) adopted" in result.err, result.err
    assert len(gitlab.issues) == 1 and copied["description"].endswith("copied from the bot's issue")
    # behind infermod's own issue for the stack, the person's copy is left alone, not a duplicate
    ours = gitlab.add_issue(BOT_TOKEN, f"{MR}\nold", ["infermod-drift"])
    gitlab.issues[:] = [ours, copied]  # infermod's own is the older one now
    result = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert result.code == 2 and f"Drift issue #{ours['iid']} (infermod-drift) updated" in result.err, (
        result.err
    )
    assert copied["state"] == "opened" and [iid for iid, _ in gitlab.issue_notes if iid == 1] == [1]


@pytest.mark.parametrize("marked", [False, True])
def test_a_persons_issue_filed_while_the_creations_answer_was_lost_is_not_taken_for_ours(
    cli, scw_env, sdk, tmp_path, gitlab, marked
):
    """GitLab created infermod's issue but the answer was lost; meanwhile a person filed a
    labelled issue (unmarked, or with the stack's marker copied). Looking for what it created,
    infermod takes only its own."""
    scenario(cli, sdk, tmp_path)
    add_issue = gitlab.add_issue

    def a_person_first(author: str, description: str, labels: list[str]) -> dict[str, Any]:
        if author == BOT_TOKEN:
            add_issue(OTHER_TOKEN, f"{MR if marked else ''}\nplease look at the chat deployment", labels)
        return add_issue(author, description, labels)

    gitlab.add_issue = a_person_first  # type: ignore[method-assign]
    gitlab.faults.append(Fault("POST", ISSUES, DROP, {}, {}, carried_out=True))
    result = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert result.code == 2 and "Opened drift issue #2" in result.err, result.err
    assert [i["author"]["id"] for i in gitlab.issues] == [20, 10]


def test_a_persons_comment_carrying_a_drift_state_is_not_taken_for_infermods(
    cli, scw_env, sdk, tmp_path, gitlab
):
    """Two people (user ids above and below the bot's) comment with the new drift state copied
    from somewhere: infermod compares with its own last state, sees a change and says so."""
    scenario(cli, sdk, tmp_path)
    assert cli("plan", "--detailed-exitcode", "--drift-issue").code == 2
    without_new(tmp_path)
    forged = {"stack": "mr", "changes": {"deployment.keep": "delete-create", "deployment.old": "delete"}}
    for person in (OTHER_TOKEN, ADMIN_TOKEN):
        gitlab.add_issue_note(person, 1, f"<!-- infermod-drift-state {json.dumps(forged)} -->\nsame as now")
    result = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert result.code == 2 and "Drift issue #1 (infermod-drift) updated, with a comment" in result.err
    assert state_of(gitlab.issues[0]["description"]) == forged  # the forged state was the true one
    assert "- no longer drifted: `deployment.new` (was: create)" in notes_on(gitlab, 1)[-1]


def test_a_broken_state_in_infermods_own_issue_is_no_state(cli, scw_env, sdk, tmp_path, gitlab):
    scenario(cli, sdk, tmp_path)
    gitlab.add_issue(BOT_TOKEN, f'{MR}\n<!-- infermod-drift-state {{"changes": {{,}} -->', ["infermod-drift"])
    result = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert result.code == 2 and "Drift issue #1 (infermod-drift) updated, with a comment" in result.err
    assert "Traceback" not in result.err and "internal error" not in result.err
    assert "Drifted now:" in notes_on(gitlab, 1)[0]  # no earlier state: the whole drift is listed


def test_a_gitlab_that_ignores_the_list_filters_does_not_make_infermod_take_another_issue(
    cli, scw_env, sdk, tmp_path, gitlab
):
    """infermod's own issues for the stack, oldest first: one whose label a person removed,
    one closed; the open labelled one comes last and is the only one taken."""
    scenario(cli, sdk, tmp_path)
    gitlab.ignore_filters = True
    unlabelled = gitlab.add_issue(BOT_TOKEN, f"{MR}\nlabel removed", ["triage"])
    closed = gitlab.add_issue(BOT_TOKEN, f"{MR}\nclosed", ["infermod-drift"])
    closed["state"] = "closed"
    current = gitlab.add_issue(BOT_TOKEN, f"{MR}\ncurrent", ["infermod-drift"])
    result = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert result.code == 2 and "Drift issue #3 (infermod-drift) updated" in result.err, result.err
    assert "Plan: 2 to add" in current["description"]
    assert unlabelled["description"].endswith("label removed") and unlabelled["state"] == "opened"
    assert closed["description"].endswith("closed") and closed["state"] == "closed"
    assert [iid for iid, _ in gitlab.issue_notes] == [3]


def test_a_lost_comment_is_looked_for_by_its_author_and_exact_text(cli, scw_env, sdk, tmp_path, gitlab):
    """infermod closes its duplicate issue #2 with the note "Duplicate of #1.", whose answer is
    lost before GitLab made it. On #2 already: the same text from two people, and infermod's
    own older notes (texts sorting before and after it). None of them is taken for the lost
    note: it is sent again."""
    scenario(cli, sdk, tmp_path)
    for _ in range(2):
        gitlab.add_issue(BOT_TOKEN, f"{MR}\nold", ["infermod-drift"])
    gitlab.add_issue_note(BOT_TOKEN, 2, "<!-- an older note of infermod's -->")
    gitlab.add_issue_note(BOT_TOKEN, 2, "Zero drift: an older note of infermod's")
    for person in (OTHER_TOKEN, ADMIN_TOKEN):
        gitlab.add_issue_note(person, 2, "Duplicate of #1.")
    gitlab.faults.append(Fault("POST", f"{ISSUES}/2/notes", DROP, {}, {}))
    result = cli("plan", "--detailed-exitcode", "--drift-issue")
    assert result.code == 2 and "Drift issue #1 (infermod-drift) updated" in result.err, result.err
    assert gitlab.requests.count(("POST", f"{ISSUES}/2/notes")) == 2
    mine = [n["body"] for iid, n in gitlab.issue_note_records if iid == 2 and n["author"]["id"] == 10]
    assert mine[-1] == "Duplicate of #1." and gitlab.issues[1]["state"] == "closed"
