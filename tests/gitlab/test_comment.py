"""The merge-request note, through the real CLI, against a GitLab-like server on 127.0.0.1."""

from __future__ import annotations

import os
import pty
import shutil
import ssl
import subprocess
import sys
import threading
from typing import Any

import pytest
from markdown_it import MarkdownIt

from infermod.gitlab import api
from tests.conftest import SECRET_KEY, write
from tests.fake_gitlab import BOT_TOKEN, DROP, FORK, MR, OTHER_TOKEN, UPSTREAM, FakeGitLab, Fault
from tests.gitlab.test_reports import CONFIG, scenario

NOTES = rf"/api/v4/projects/{UPSTREAM}/merge_requests/{MR}/notes"


def ci_env(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    for key, value in {
        "CI_API_V4_URL": url,
        "CI_PROJECT_ID": UPSTREAM,
        "CI_MERGE_REQUEST_PROJECT_ID": UPSTREAM,
        "CI_MERGE_REQUEST_IID": MR,
        "GITLAB_TOKEN": BOT_TOKEN,
        "CI_COMMIT_SHA": "0123456789abcdef",
        "CI_PIPELINE_ID": "555",
        "CI_PIPELINE_URL": "https://gitlab.example/p/555",
    }.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def waits(monkeypatch):
    """The retry waits the client asked for, instead of sleeping through them (on a clock
    that the waits advance)."""
    asked: list[float] = []
    monkeypatch.setattr(api, "sleep", asked.append)
    monkeypatch.setattr(api, "clock", lambda: sum(asked))
    return asked


@pytest.fixture
def gitlab(monkeypatch, waits):
    fake = FakeGitLab()
    for i in range(130):  # more than a page of human discussion before ours
        fake.add_note(OTHER_TOKEN, f"human comment {i}")
    ci_env(monkeypatch, fake.url)
    yield fake
    fake.close()


def test_second_pipeline_edits_the_same_note(cli, scw_env, sdk, tmp_path, gitlab, monkeypatch):
    scenario(cli, sdk, tmp_path)
    first = cli("plan", "--comment")
    assert first.code == 0 and "Posted the plan on merge request !7" in first.err
    ours = gitlab.ours("infermod-plan stack=mr")
    assert len(ours) == 1 and "Computed for commit `01234567` in pipeline [#555]" in ours[0]["body"]
    assert ours[0]["body"].index("Plan: 2 to add") < ours[0]["body"].index("This plan deletes or replaces")
    monkeypatch.setenv("CI_COMMIT_SHA", "fedcba9876543210")
    second = cli("plan", "--comment")
    assert second.code == 0 and "Updated the plan" in second.err
    ours = gitlab.ours("infermod-plan stack=mr")
    assert len(ours) == 1 and "`fedcba98`" in ours[0]["body"]
    assert ("PUT", f"{NOTES}/{ours[0]['id']}") in gitlab.requests
    assert BOT_TOKEN not in first.out + first.err + second.out + second.err


def test_fork_merge_request_note_goes_to_the_upstream_project(
    cli, scw_env, sdk, tmp_path, gitlab, monkeypatch
):
    """In a fork's merge-request pipeline CI_PROJECT_ID is the fork; the MR lives upstream."""
    scenario(cli, sdk, tmp_path)
    monkeypatch.setenv("CI_PROJECT_ID", FORK)
    result = cli("plan", "--comment")
    assert result.code == 0 and "Posted the plan" in result.err, result.err
    assert len(gitlab.ours()) == 1
    assert not any(f"/projects/{FORK}/" in path for _, path in gitlab.requests)


def test_someone_elses_note_with_the_marker_is_never_edited(cli, scw_env, sdk, tmp_path, gitlab):
    scenario(cli, sdk, tmp_path)
    quoted = gitlab.add_note(OTHER_TOKEN, "> <!-- infermod-plan stack=mr -->\n> Plan: 9 to add\n\nwhy 9?")
    result = cli("plan", "--comment")
    assert result.code == 0 and "Posted the plan" in result.err
    assert quoted["body"].endswith("why 9?") and ("PUT", f"{NOTES}/{quoted['id']}") not in gitlab.requests
    assert ("GET", "/api/v4/user") in gitlab.requests
    assert len(gitlab.ours()) == 1 and gitlab.ours()[0]["id"] != quoted["id"]


def test_note_that_became_uneditable_gets_a_fresh_note(cli, scw_env, sdk, tmp_path, gitlab):
    """Our own note answering 403 (locked since it was listed): post a fresh one, say nothing wrong."""
    scenario(cli, sdk, tmp_path)
    old = gitlab.add_note(BOT_TOKEN, "<!-- infermod-plan stack=mr -->\nold plan")
    gitlab.faults.append(Fault("PUT", f"{NOTES}/{old['id']}", 403, {}, {"message": "403 Forbidden"}))
    result = cli("plan", "--comment")
    assert result.code == 0 and "Posted the plan" in result.err and "warning" not in result.err
    assert len(gitlab.ours()) == 2 and "Plan: 2 to add" in gitlab.ours()[1]["body"]


def test_transient_answers_are_retried_honouring_retry_after(cli, scw_env, sdk, tmp_path, gitlab, waits):
    scenario(cli, sdk, tmp_path)
    gitlab.faults += [
        Fault("GET", NOTES, 502, {}, b"<html>502 Bad Gateway</html>"),
        Fault("POST", NOTES, 429, {"Retry-After": "7"}, {"message": "429 Too Many Requests"}),
        Fault("POST", NOTES, 503, {}, {"message": "503 Service Unavailable"}),
    ]
    result = cli("plan", "--comment")
    assert result.code == 0 and "Posted the plan" in result.err, result.err
    # GET: 502, retried after 1 s; POST: 429 waited for (7 s); POST: 503, whose answer may have
    # been lost: 1 s, then the notes are listed again (none made) before the second POST
    assert waits == [1.0, 7.0, 1.0] and len(gitlab.ours()) == 1
    posts = [i for i, r in enumerate(gitlab.requests) if r == ("POST", NOTES)]
    assert len(posts) == 3 and ("GET", NOTES) in gitlab.requests[posts[1] + 1 : posts[2]]


@pytest.mark.parametrize("lost", [502, DROP])
def test_a_note_made_but_whose_answer_was_lost_is_not_posted_twice(
    cli, scw_env, sdk, tmp_path, gitlab, waits, lost
):
    """GitLab makes the note, then a proxy answers 502 (or the connection breaks): the client
    lists the notes again, finds the one it made, and does not post a second."""
    scenario(cli, sdk, tmp_path)
    gitlab.faults.append(Fault("POST", NOTES, lost, {}, {"message": "502 Bad Gateway"}, carried_out=True))
    result = cli("plan", "--comment")
    assert result.code == 0 and "Posted the plan on merge request !7" in result.err, result.err
    assert len(gitlab.ours()) == 1 and "Plan: 2 to add" in gitlab.ours()[0]["body"]
    assert gitlab.requests.count(("POST", NOTES)) == 1
    second = cli("plan", "--comment")  # and the next pipeline updates that one note
    assert second.code == 0 and "Updated the plan" in second.err and len(gitlab.ours()) == 1


def test_a_lost_answer_then_nothing_made_posts_once_more(cli, scw_env, sdk, tmp_path, gitlab, waits):
    scenario(cli, sdk, tmp_path)
    gitlab.faults.append(Fault("POST", NOTES, 504, {}, {"message": "504 Gateway Timeout"}))
    result = cli("plan", "--comment")
    assert result.code == 0 and "Posted the plan" in result.err and len(gitlab.ours()) == 1
    assert gitlab.requests.count(("POST", NOTES)) == 2


def test_a_note_not_written_is_a_warning_exit_not_silent_green(cli, scw_env, sdk, tmp_path, gitlab, waits):
    """The plan is good and saved, but the merge request may show an older plan: exit 3,
    which the templates map to allow_failure (a warning), distinct from 1 and 2."""
    scenario(cli, sdk, tmp_path)
    gitlab.faults += [Fault("GET", NOTES, 500, {}, {"message": "500 Internal Server Error"})] * api.ATTEMPTS
    result = cli("plan", "--comment", "--out", "plan.json", "--detailed-exitcode")
    assert result.code == 3, result.err
    assert "the plan was not posted to the merge request" in result.err
    assert "exit 3: the merge-request note was not updated" in result.err.splitlines()[-1]
    assert (tmp_path / "plan.json").exists()  # the plan itself stands: apply may still use it
    again = cli("plan", "--comment", "--detailed-exitcode")  # GitLab answers again
    assert again.code == 2 and "Posted the plan" in again.err


def test_persistent_failure_gives_gitlabs_message_and_gives_up(cli, scw_env, sdk, tmp_path, gitlab, waits):
    scenario(cli, sdk, tmp_path)
    gitlab.faults += [Fault("GET", NOTES, 500, {}, {"message": "500 Internal Server Error"})] * api.ATTEMPTS
    result = cli("plan", "--comment", "--comment-required")
    assert result.code == 1
    assert (
        'GitLab answered 500 to GET /projects/42/merge_requests/7/notes: "500 Internal Server Error"'
        in result.err
    )
    assert waits == [1.0, 2.0, 4.0, 8.0]
    # the plan itself is fine: the error says what failed, not "refused: see the findings"
    assert "refused" not in result.err and "not posted" in result.err.splitlines()[-1]
    gitlab.faults.append(Fault("POST", NOTES, 429, {"Retry-After": "3600"}, {"message": "slow down"}))
    result = cli("plan", "--comment")  # an hour's Retry-After is not waited for
    assert result.code == 3 and "GitLab answered 429" in result.err and '"slow down"' in result.err


def test_a_plan_not_posted_under_comment_required_says_whether_a_plan_file_was_lost(
    cli, scw_env, sdk, tmp_path, gitlab, monkeypatch
):
    """--comment-required and GitLab refuses the token: exit 1, and no plan file is saved.
    The error says so when --out asked for one, and only then."""
    scenario(cli, sdk, tmp_path)
    monkeypatch.setenv("GITLAB_TOKEN", "wrong-token")
    result = cli("plan", "--comment-required", "--out", "plan.json")
    assert result.code == 1, result.err
    assert result.err.splitlines()[-1] == "Error: the plan was not posted to GitLab; no plan file was written"
    assert not (tmp_path / "plan.json").exists()
    result = cli("plan", "--comment-required")
    assert result.code == 1 and result.err.splitlines()[-1] == "Error: the plan was not posted to GitLab"


def with_a_terminal(cwd: Any, terminal: str, *args: str) -> tuple[int, str, str]:
    """The real CLI in a child process whose `terminal` (stdout or stderr) is a
    pseudo-terminal and the other stream a pipe: (exit code, stdout, stderr)."""
    leader, follower = pty.openpty()
    shown: list[bytes] = []

    def drain() -> None:  # the terminal's side, read as it comes (its buffer is small)
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child and this process have closed the follower
                return
            if not chunk:
                return
            shown.append(chunk)

    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "infermod", *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=follower if terminal == "stdout" else subprocess.PIPE,
            stderr=follower if terminal == "stderr" else subprocess.PIPE,
        )
        os.close(follower)
        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        out, err = proc.communicate(timeout=120)
        reader.join(timeout=30)
    finally:
        os.close(leader)
    piped = (out if terminal == "stderr" else err).decode()
    seen = b"".join(shown).decode().replace("\r\n", "\n")
    return (proc.returncode, seen, piped) if terminal == "stdout" else (proc.returncode, piped, seen)


@pytest.mark.parametrize("terminal", ["stderr", "stdout"])
def test_the_exit_3_warning_is_coloured_when_stderr_is_a_terminal(
    cli, scw_env, sdk, tmp_path, gitlab, monkeypatch, terminal
):
    """The exit-3 warning goes to stderr: its colour follows stderr, not stdout (a job log
    read at a terminal with the plan piped to a file, or the other way round)."""
    scenario(cli, sdk, tmp_path)
    monkeypatch.setenv("GITLAB_TOKEN", "wrong-token")
    monkeypatch.delenv("NO_COLOR", raising=False)
    code, out, err = with_a_terminal(tmp_path, terminal, "plan", "--comment")
    assert code == 3, err
    warning = "warning: exit 3: the merge-request note was not updated, so it may show an older plan"
    assert "Plan: 2 to add" in out
    if terminal == "stderr":
        assert err.splitlines()[-1] == f"\033[33m{warning}\033[0m"
    else:
        assert err.splitlines()[-1] == warning and "\033[" not in err


def test_refusals_carry_gitlabs_message(cli, scw_env, sdk, tmp_path, gitlab, monkeypatch):
    scenario(cli, sdk, tmp_path)
    gitlab.faults.append(
        Fault("POST", NOTES, 403, {}, {"message": {"base": ["Note is confidential and you lack access"]}})
    )
    result = cli("plan", "--comment")
    assert "GitLab answered 403 to POST" in result.err
    assert "base Note is confidential and you lack access" in result.err and "api` scope" in result.err
    monkeypatch.setenv("GITLAB_TOKEN", "wrong-token")
    result = cli("plan", "--comment")
    assert result.code == 3 and 'answered 401 to GET /user: "401 Unauthorized"' in result.err
    assert cli("plan", "--comment", "--comment-required").code == 1
    monkeypatch.delenv("CI_MERGE_REQUEST_IID")
    assert "CI_MERGE_REQUEST_IID not set" in cli("plan", "--comment").err


def test_refused_plan_says_so_before_the_plan(cli, scw_env, sdk, tmp_path, gitlab):
    scenario(cli, sdk, tmp_path)
    assert cli("plan", "--comment").code == 0
    result = cli("plan", "--comment", "--deny-destroy")
    assert result.code == 1
    (note,) = gitlab.ours()
    body = note["body"]
    assert body.index("This plan was refused") < body.index("Plan: 2 to add")
    assert "`policy-deny-destroy` on **deployment.old**" in body
    assert body.count("This plan was refused") == 1


def test_failed_plan_replaces_the_previous_plan(cli, scw_env, sdk, tmp_path, gitlab, monkeypatch):
    scenario(cli, sdk, tmp_path)
    assert cli("plan", "--comment").code == 0
    monkeypatch.setenv("SCW_SECRET_KEY", "not-a-key")  # the plan fails after the stack is known
    result = cli("plan", "--comment")
    assert result.code == 1 and "Updated the failure" in result.err
    (note,) = gitlab.ours()
    assert (
        "The plan failed; there is no current plan." in note["body"] and "Plan: 2 to add" not in note["body"]
    )
    assert note["body"].startswith("<!-- infermod-plan stack=mr -->") and "not-a-key" not in note["body"]
    write(tmp_path / "infermod.yaml", "version: 1\nstack: [unclosed\n")  # no stack name at all
    result = cli("plan", "--comment")
    assert result.code == 1 and "Updated the failure" in result.err
    (note,) = gitlab.ours()
    assert "nothing was planned" in note["body"] and note["body"].startswith(
        "<!-- infermod-plan stack=mr -->"
    )
    monkeypatch.setenv("SCW_SECRET_KEY", SECRET_KEY)
    write(tmp_path / "infermod.yaml", CONFIG)  # the deployments are still there: only the file is back
    assert "Updated the plan" in cli("plan", "--comment").err  # the same note again
    assert len(gitlab.ours()) == 1 and "Plan: 2 to add" in gitlab.ours()[0]["body"]


def test_a_failure_note_lists_the_configurations_errors_with_file_and_line(cli, scw_env, tmp_path, gitlab):
    """ "3 error(s)" alone sends the author to the job log: the note names them, 20 at most."""
    deployments = "".join(
        f"  d{i}:\n    model: meta/llama-3.1-8b-instruct:fp8\n    node_type: L4\n    colour: red\n"
        for i in range(25)
    )
    write(tmp_path / "infermod.yaml", f"version: 1\nstack: mr\ndeployments:\n{deployments}")
    result = cli("plan", "--comment")
    assert result.code == 1 and "Posted the failure" in result.err, result.err
    (note,) = gitlab.ours()
    listed = [line for line in note["body"].splitlines() if line.startswith("> - `infermod.yaml:")]
    assert len(listed) == 20 and "> - `infermod.yaml:4` " in note["body"]
    assert (
        "unknown key `colour`" in listed[0]
        and "… and " in note["body"]
        and "more (see the job log)" in note["body"]
    )


def test_failure_before_any_note_posts_one_the_next_plan_takes_over(cli, scw_env, tmp_path, gitlab):
    write(tmp_path / "infermod.yaml", "version: 1\nstack: [unclosed\n")
    assert "Posted the failure" in cli("plan", "--comment").err
    write(tmp_path / "infermod.yaml", "version: 1\nstack: mr\ndeployments: {}\n")
    assert "Updated the plan" in cli("plan", "--comment").err
    (note,) = gitlab.ours()
    assert note["body"].startswith("<!-- infermod-plan stack=mr -->") and "failed" not in note["body"]


@pytest.fixture
def tls_files(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "ca.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_private_ca_from_ci_server_tls_ca_file(cli, scw_env, sdk, tmp_path, monkeypatch, tls_files, waits):
    cert, key = tls_files
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    fake = FakeGitLab(tls=context)
    try:
        ci_env(monkeypatch, fake.url)
        scenario(cli, sdk, tmp_path)
        result = cli("plan", "--comment")
        assert "TLS verification of" in result.err and "set CI_SERVER_TLS_CA_FILE" in result.err
        monkeypatch.setenv("CI_SERVER_TLS_CA_FILE", str(cert))
        result = cli("plan", "--comment")
        assert "Posted the plan" in result.err and len(fake.ours()) == 1
        monkeypatch.setenv("CI_SERVER_TLS_CA_FILE", str(tmp_path / "missing.pem"))
        assert "which is not a file" in cli("plan", "--comment").err
    finally:
        fake.close()


def test_duplicate_notes_of_ours_are_all_kept_current(cli, scw_env, sdk, tmp_path, gitlab):
    """A POST that GitLab carried out but answered 502 is retried: two notes; both follow."""
    scenario(cli, sdk, tmp_path)
    for _ in range(2):
        gitlab.add_note(BOT_TOKEN, "<!-- infermod-plan stack=mr -->\nPlan: 9 to add (old)")
    gitlab.add_note(BOT_TOKEN, "<!-- infermod-plan stack=other -->\nanother stack's plan")
    result = cli("plan", "--comment")
    assert result.code == 0 and result.err.count("Updated the plan") == 2
    mine = gitlab.ours("infermod-plan stack=mr")
    assert len(mine) == 2 and all("Plan: 2 to add" in n["body"] for n in mine)
    assert gitlab.ours("stack=other")[0]["body"].endswith("another stack's plan")


def test_an_answer_that_is_not_json_is_named(cli, scw_env, sdk, tmp_path, gitlab):
    scenario(cli, sdk, tmp_path)
    gitlab.faults.append(Fault("GET", "/api/v4/user", 200, {}, b"<html>Sign in</html>"))
    result = cli("plan", "--comment")
    assert result.code == 3 and "GitLab's answer to GET /user is not JSON" in result.err
    assert "Traceback" not in result.err and "internal error" not in result.err


def test_retries_stop_when_the_budget_is_spent(cli, scw_env, sdk, tmp_path, gitlab, waits, monkeypatch):
    """However many requests a command makes, it never retries for more than the budget."""
    scenario(cli, sdk, tmp_path)
    monkeypatch.setattr(api, "BUDGET", 50.0)
    gitlab.faults += [
        Fault("GET", NOTES, 429, {"Retry-After": "30"}, {"message": "429 Too Many Requests"})
    ] * 2
    result = cli("plan", "--comment")
    assert result.code == 3 and '429 to GET /projects/42/merge_requests/7/notes: "429 Too Many' in result.err
    assert waits == [30.0]  # a second 30 s wait would pass the 50 s budget


def test_comment_required_alone_posts_the_note_and_fails_when_it_cannot(
    cli, scw_env, sdk, tmp_path, gitlab, waits
):
    """--comment-required without --comment implies it (it used to do nothing and exit 0)."""
    scenario(cli, sdk, tmp_path)
    posted = cli("plan", "--comment-required")
    assert posted.code == 0 and "Posted the plan on merge request !7" in posted.err, posted.err
    assert len(gitlab.ours("infermod-plan stack=mr")) == 1
    gitlab.faults += [Fault("GET", NOTES, 500, {}, {"message": "500 Internal Server Error"})] * api.ATTEMPTS
    failed = cli("plan", "--comment-required")
    assert failed.code == 1 and "not posted" in failed.err.splitlines()[-1]


@pytest.mark.parametrize(("method", "status"), [("GET", 302), ("POST", 307)])
def test_a_redirect_to_another_host_is_not_followed_with_the_token(
    cli, scw_env, sdk, tmp_path, gitlab, method, status
):
    """requests keeps custom headers across redirects: PRIVATE-TOKEN would reach the target."""
    scenario(cli, sdk, tmp_path)
    elsewhere = FakeGitLab()  # another port: another origin
    try:
        path = "/api/v4/user" if method == "GET" else NOTES
        target = elsewhere.url + path.removeprefix("/api/v4")
        gitlab.faults.append(Fault(method, path, status, {"Location": target}, {}))
        result = cli("plan", "--comment-required")
        assert elsewhere.tokens == [] and elsewhere.requests == []
        assert result.code == 1 and f"redirected to {target}" in result.err, result.err
        assert BOT_TOKEN not in result.out + result.err
    finally:
        elsewhere.close()


def test_the_failure_note_never_carries_a_registered_secret(gitlab):
    # a failure's text is whatever the failing part said: an API or Hub error may quote a value
    from infermod import output
    from infermod.gitlab.comment import post_failure_comment
    from infermod.secrets import Secret

    token = "hf_quoted_in_an_error_0123456789"
    output.register_secrets([Secret(token, "env:HF_TOKEN")])
    assert post_failure_comment("mr", f"the Hub refused token {token} for acme/bot")
    (note,) = gitlab.ours()
    assert "the Hub refused token (sensitive) for acme/bot" in note["body"]
    assert token not in note["body"]


def test_a_failure_note_shows_markup_in_an_error_as_written(cli, scw_env, tmp_path, gitlab):
    """An unknown key is quoted in the error: one holding a backtick and `<details>` must not
    fold the errors after it away in the note the reviewer reads."""
    write(
        tmp_path / "infermod.yaml",
        "version: 1\nstack: mr\ndeployments:\n  a:\n    model: meta/llama-3.1-8b-instruct:fp8\n"
        '    node_type: L4\n    "x`<details><summary>more</summary>": 1\n    colour: red\n',
    )
    assert "Posted the failure" in cli("plan", "--comment").err
    (note,) = gitlab.ours()
    html = MarkdownIt("commonmark").render(note["body"])
    assert "<details>" not in html and "&lt;details&gt;" in html
    assert "unknown key <code>colour</code>" in html
