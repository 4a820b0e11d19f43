"""A small GitLab REST client shared by the merge-request note and the drift issue.

What real pipelines need and a bare `requests` call does not give: the runner's CA file for
self-managed GitLab (`CI_SERVER_TLS_CA_FILE`), retries with backoff on GitLab's transient
answers (429 and 5xx, honouring `Retry-After`), GitLab's own error message in every failure,
and the token's user (`GET /user`), so that infermod only ever edits what it wrote itself.
"""

from __future__ import annotations

import email.utils
import os
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote, urljoin

import requests

from infermod import output
from infermod.secrets import Secret

TIMEOUT = (5.0, 30.0)
MAX_PAGES = 50  # 5,000 notes or issues: far more than a merge request or a label holds
ATTEMPTS = 5
BACKOFF = 1.0  # seconds, doubled each retry
MAX_WAIT = 60.0  # a longer Retry-After is not waited for: the job would only hang
RETRIED = frozenset({429, 500, 502, 503, 504})
BUDGET = 300.0  # seconds of retrying per command, however many requests it makes

# Replaced in tests to record the waits instead of sleeping through them.
sleep: Callable[[float], None] = time.sleep
clock: Callable[[], float] = time.monotonic


class GitLabError(Exception):
    """GitLab could not be reached or refused a request; the message says which and why.

    `lost`: the request may have been carried out although its answer was lost (a 5xx, a
    broken connection): a creation must look before it is sent again."""

    def __init__(self, message: str, status: int | None = None, lost: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.lost = lost


def project_path(project_id: str) -> str:
    return f"/projects/{quote(project_id, safe='')}"


class GitLab:
    def __init__(self, api_url: str, token: str, ca_file: str | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["PRIVATE-TOKEN"] = token
        self.session.headers["User-Agent"] = "infermod"
        if ca_file and not os.path.isfile(ca_file):
            raise GitLabError(f"CI_SERVER_TLS_CA_FILE points to {ca_file}, which is not a file")
        # Per request: a session-wide `verify` loses to REQUESTS_CA_BUNDLE in the environment.
        self.verify: str | bool = ca_file or True
        self._user_id: int | None = None
        self._retry_until = clock() + BUDGET

    @classmethod
    def from_env(cls, env: Mapping[str, str], *required: str) -> GitLab:
        missing = [k for k in ("CI_API_V4_URL", "GITLAB_TOKEN", *required) if not env.get(k)]
        if missing:
            raise GitLabError(
                f"{', '.join(missing)} not set (run in a GitLab pipeline, with GITLAB_TOKEN as a masked variable)"
            )
        token = env["GITLAB_TOKEN"]
        output.register_secrets([Secret(token, "env:GITLAB_TOKEN")])
        return cls(env["CI_API_V4_URL"], token, env.get("CI_SERVER_TLS_CA_FILE") or None)

    def user_id(self) -> int:
        """The token's own user: the author of every note and issue infermod may edit."""
        if self._user_id is None:
            data = self.call("GET", "/user")
            if not isinstance(data, dict) or not isinstance(data.get("id"), int):
                raise GitLabError("GitLab's GET /user did not say who the token belongs to")
            self._user_id = data["id"]
        return self._user_id

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        once: bool = False,
    ) -> Any:
        return _json(self.request(method, path, params=params, body=body, once=once), method, path)

    def create(
        self, path: str, body: Mapping[str, Any], find: Callable[[], dict[str, Any] | None]
    ) -> tuple[dict[str, Any], bool]:
        """POST `body` at most once per answer: a POST whose answer was lost (GitLab carried it
        out, then answered 502, or the connection broke) is not sent again blindly; `find` looks
        for what it would have created first. (the object, True when this call's POST made it
        and GitLab said so; False when `find` found it after a lost answer)."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                data = self.call("POST", path, body=body, once=True)
            except GitLabError as exc:
                if not exc.lost or attempt == ATTEMPTS or not self._may_wait(backoff(attempt)):
                    raise
                sleep(backoff(attempt))
                found = find()
                if found is not None:
                    return found, False
                continue
            if not isinstance(data, dict) or not isinstance(data.get("id"), int):
                raise GitLabError(f"GitLab's answer to POST {path} did not name what it created")
            return data, True
        raise AssertionError("unreachable")  # the loop returns or raises on its last attempt

    def pages(self, path: str, params: Mapping[str, str]) -> Iterator[dict[str, Any]]:
        page = "1"
        for _ in range(MAX_PAGES):
            response = self.request("GET", path, params={**params, "per_page": "100", "page": page})
            items = _json(response, "GET", path)
            if not isinstance(items, list):
                raise GitLabError(f"GitLab's GET {path} did not answer with a list")
            yield from (item for item in items if isinstance(item, dict))
            page = response.headers.get("x-next-page", "")
            if not page:
                return

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        once: bool = False,
    ) -> requests.Response:
        """`once`: an answer that may have been lost is raised (GitLabError.lost), not retried;
        429 ("too many requests": not carried out) is still waited for and retried."""
        url = self.api_url + path
        for attempt in range(1, ATTEMPTS + 1):
            try:
                # Redirects are not followed: requests would carry PRIVATE-TOKEN to any host.
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=body,
                    timeout=TIMEOUT,
                    verify=self.verify,
                    allow_redirects=False,
                )
            except requests.exceptions.SSLError:
                advice = (
                    f"is {self.verify} the CA that signed GitLab's certificate?"
                    if isinstance(self.verify, str)
                    else "for a private CA, set CI_SERVER_TLS_CA_FILE"
                )
                raise GitLabError(f"TLS verification of {self.api_url} failed: {advice}") from None
            except requests.RequestException as exc:
                # a refused or broken connection may have carried the request (a reset after
                # the body was sent): only a connection never made certainly did not
                sent = not isinstance(exc, requests.exceptions.ConnectTimeout)
                if (once and sent) or attempt == ATTEMPTS or not self._may_wait(backoff(attempt)):
                    raise GitLabError(
                        f"cannot reach GitLab at {self.api_url} ({type(exc).__name__})", lost=sent
                    ) from None
                sleep(backoff(attempt))
                continue
            if 300 <= response.status_code < 400:
                raise GitLabError(redirected(method, path, response), response.status_code)
            if response.status_code < 400:
                return response
            wait = retry_wait(response, attempt)
            lost = response.status_code >= 500
            if wait is None or (once and lost) or attempt == ATTEMPTS or not self._may_wait(wait):
                raise GitLabError(describe(method, path, response), response.status_code, lost)
            sleep(wait)
        raise AssertionError("unreachable")  # the loop returns or raises on its last attempt

    def _may_wait(self, seconds: float) -> bool:
        """Retries stop when the command's retry budget is spent: a job never hangs on GitLab."""
        return clock() + seconds <= self._retry_until


def _json(response: requests.Response, method: str, path: str) -> Any:
    try:
        return response.json()
    except ValueError:  # a proxy's HTML page in front of GitLab, say
        raise GitLabError(f"GitLab's answer to {method} {path} is not JSON") from None


def backoff(attempt: int) -> float:
    return BACKOFF * 2.0 ** (attempt - 1)


def retry_wait(response: requests.Response, attempt: int) -> float | None:
    """Seconds to wait before retrying, or None when this answer is not worth retrying."""
    if response.status_code not in RETRIED:
        return None
    header = response.headers.get("Retry-After", "").strip()
    if not header:
        return backoff(attempt)
    if header.isdigit():
        wait = float(header)
    else:
        try:
            wait = max(0.0, email.utils.parsedate_to_datetime(header).timestamp() - time.time())
        except (TypeError, ValueError):
            wait = backoff(attempt)
    return wait if wait <= MAX_WAIT else None


HINTS = {
    401: "GITLAB_TOKEN was refused (expired or revoked?)",
    403: "GITLAB_TOKEN may not do this (it needs the `api` scope and at least the Reporter role)",
    404: "not found, or not visible to GITLAB_TOKEN's user",
}


def redirected(method: str, path: str, response: requests.Response) -> str:
    target = urljoin(response.url, response.headers.get("Location", ""))
    return (
        f"GitLab answered {response.status_code} to {method} {path}, redirected to {target}: not "
        "followed, so that GITLAB_TOKEN goes nowhere else; set CI_API_V4_URL to GitLab's own address"
    )


def describe(method: str, path: str, response: requests.Response) -> str:
    """GitLab's own words first (its JSON `message` or `error`), then what usually causes it."""
    said = gitlab_message(response)
    hint = HINTS.get(response.status_code, "")
    details = [f'"{said}"'] if said else []
    details += [hint] if hint else []
    head = f"GitLab answered {response.status_code} to {method} {path}"
    return head + (": " + "; ".join(details) if details else f" ({response.reason})")


def gitlab_message(response: requests.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return output.redact(" ".join(response.text.split()))[:300]
    if isinstance(data, dict):
        said = data.get("message") or data.get("error_description") or data.get("error") or ""
        if isinstance(said, dict):  # validation errors: {"field": ["problem", ...]}
            said = "; ".join(
                f"{k} {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in said.items()
            )
        elif isinstance(said, list):
            said = "; ".join(map(str, said))
        # redacted before it is cut: a token cut short would no longer be a whole value to hide
        return output.redact(str(said))[:300]
    return ""
