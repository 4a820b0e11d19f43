"""The GitLab client's own rules: when to retry and how long, GitLab's words in every failure,
and the token never printed."""

from __future__ import annotations

import email.utils
import json
import time

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from infermod import output
from infermod.gitlab.api import MAX_WAIT, GitLab, GitLabError, backoff, describe, gitlab_message, retry_wait

TOKEN = "glpat-" + "Zq7" * 7


def answer(
    status: int, body: object = b"", headers: dict[str, str] | None = None, reason: str = ""
) -> requests.Response:
    response = requests.Response()
    response.status_code, response.reason = status, reason
    response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response.headers.update(headers or {})
    return response


@given(st.integers(100, 599), st.integers(1, 5))
def test_only_rate_limits_and_server_errors_are_retried(status, attempt):
    wait = retry_wait(answer(status), attempt)
    assert (wait is not None) == (status in (429, 500, 502, 503, 504))
    assert wait is None or wait == backoff(attempt)


def test_retry_after_in_seconds_or_as_a_date_and_never_too_long():
    assert retry_wait(answer(429, headers={"Retry-After": "7"}), 1) == 7.0
    soon = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25.0 <= (retry_wait(answer(503, headers={"Retry-After": soon}), 1) or 0) <= 30.0
    past = email.utils.formatdate(time.time() - 300, usegmt=True)
    assert retry_wait(answer(503, headers={"Retry-After": past}), 1) == 0.0
    assert retry_wait(answer(503, headers={"Retry-After": "soon-ish"}), 3) == backoff(3)
    assert (
        retry_wait(answer(429, headers={"Retry-After": str(int(MAX_WAIT) + 1)}), 1) is None
    )  # the job would hang


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"message": "403 Forbidden"}, "403 Forbidden"),
        (
            {"message": {"title": ["is too long", "is invalid"], "labels": "bad"}},
            "title is too long, is invalid; labels bad",
        ),
        ({"message": ["one", "two"]}, "one; two"),
        ({"error": "invalid_token", "error_description": "Token was revoked"}, "Token was revoked"),
        (b"<html>\n  <body>502   Bad Gateway</body>\n</html>", "<html> <body>502 Bad Gateway</body> </html>"),
        (b"x" * 1000, "x" * 300),
        (["not", "an", "object"], ""),
    ],
)
def test_gitlabs_own_words_are_quoted_whatever_shape_they_come_in(body, said):
    assert gitlab_message(answer(400, body)) == said


def test_a_failure_says_what_was_asked_gitlabs_words_and_the_usual_cause():
    assert describe("GET", "/user", answer(401, {"message": "401 Unauthorized"})) == (
        'GitLab answered 401 to GET /user: "401 Unauthorized"; GITLAB_TOKEN was refused (expired or revoked?)'
    )
    assert (
        describe("PUT", "/x", answer(418, b"", reason="I'm a teapot"))
        == "GitLab answered 418 to PUT /x (I'm a teapot)"
    )


def test_from_env_names_what_is_missing_and_the_token_is_never_printed(tmp_path, capsys):
    with pytest.raises(GitLabError, match=r"^CI_API_V4_URL, GITLAB_TOKEN, CI_PROJECT_ID not set"):
        GitLab.from_env({}, "CI_PROJECT_ID")
    with pytest.raises(
        GitLabError, match=r"CI_SERVER_TLS_CA_FILE points to .*absent\.pem, which is not a file"
    ):
        GitLab.from_env(
            {
                "CI_API_V4_URL": "http://127.0.0.1:1/api/v4",
                "GITLAB_TOKEN": TOKEN,
                "CI_SERVER_TLS_CA_FILE": str(tmp_path / "absent.pem"),
            }
        )
    output.out(f"the job said {TOKEN}", err=True)
    assert TOKEN not in capsys.readouterr().err


def test_a_token_echoed_by_gitlab_is_redacted_before_the_message_is_cut():
    """A server (or proxy) reflecting the token: cut at 300 characters first, the token would
    no longer be a whole value for redaction to hide, and its start would be printed."""
    from infermod.secrets import Secret

    token = "glpat-AbCdEfGhIjKlMnOpQrStUv"
    output.register_secrets([Secret(token, "env:GITLAB_TOKEN")])
    for body in (f'{{"message": "{"x" * 285} token {token}"}}', f"{'x' * 285} token {token}"):
        response = requests.Response()
        response.status_code, response._content = 400, body.encode()
        said = gitlab_message(response)
        assert len(said) == 300 and said.endswith(" token (sensiti") and "glpat" not in said
