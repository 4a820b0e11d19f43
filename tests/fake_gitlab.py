"""A GitLab-like REST server on 127.0.0.1 for the note and drift-issue clients.

It behaves as GitLab does where infermod depends on it: tokens belong to users (`GET /user`),
notes and issues have authors, editing someone else's note answers 403, lists are paginated
with `x-next-page`, unknown projects answer 404 with GitLab's JSON `message`, and injected
faults (502, 429 with Retry-After...) answer the next matching requests. A fault with
`carried_out` is a lost answer: GitLab does what was asked, then the client gets the fault
(a 502 from a proxy that timed out, say) instead of GitLab's answer.

It does none of the client's checks for it: an issue list ignores `author_id` (the client
must not depend on a filter it cannot see applied) and any project member may edit any issue
(GitLab lets the Reporter role do so), so only infermod's own author and marker checks
decide which issue it takes and which it rewrites. With `ignore_filters`, an issue list
ignores its `labels` and `state` filters too (as a proxy or an older GitLab that drops query
parameters would): infermod must still take only an open issue with its label.
"""

from __future__ import annotations

import io
import json
import re
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

BOT_TOKEN = "glpat-infermod-bot-token-1234"
OTHER_TOKEN = "glpat-someone-else-token-5678"
ADMIN_TOKEN = "glpat-instance-admin-token-9012"  # a person whose user id is lower than the bot's
USERS = {
    BOT_TOKEN: {"id": 10, "username": "infermod-bot"},
    OTHER_TOKEN: {"id": 20, "username": "alice"},
    ADMIN_TOKEN: {"id": 1, "username": "root"},
}
UPSTREAM, FORK, MR = "42", "99", "7"
DROP = 0  # a fault's status: the connection closes without an answer


class Fault(NamedTuple):
    method: str
    path: str  # a regular expression on the path
    status: int
    headers: dict[str, str]
    body: Any
    carried_out: bool = False  # the request is carried out, but its answer is lost


class FakeGitLab:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.notes: list[dict[str, Any]] = []  # merge request UPSTREAM!MR
        self.issues: list[dict[str, Any]] = []  # project UPSTREAM
        self.issue_notes: list[tuple[int, str]] = []  # (issue iid, body) of every issue note
        self.issue_note_records: list[tuple[int, dict[str, Any]]] = []  # the same, with authors
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str]] = []
        self.tokens: list[str] = []  # every PRIVATE-TOKEN received, to show where a token went
        self.ignore_filters = False  # issue lists answer every issue, whatever labels and state
        # commit sha -> the merge requests GitLab associates with it, whatever their state or
        # target branch (open ones that contain the commit too): the client must choose
        self.commit_mrs: dict[str, list[dict[str, Any]]] = {}
        self._ids = 1000
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake.handle(self)

            do_POST = do_PUT = do_GET

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}/api/v4"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    def add_note(self, author: str, body: str, system: bool = False) -> dict[str, Any]:
        note = {"id": self.next_id(), "body": body, "author": USERS[author], "system": system}
        self.notes.append(note)
        return note

    def add_issue(self, author: str, description: str, labels: list[str]) -> dict[str, Any]:
        iid = len(self.issues) + 1
        issue = {
            "id": self.next_id(),
            "iid": iid,
            "title": "t",
            "description": description,
            "labels": labels,
            "state": "opened",
            "author": USERS[author],
            "web_url": f"https://gitlab.example/team/models/-/issues/{iid}",
        }
        self.issues.append(issue)
        return issue

    def add_issue_note(self, author: str, iid: int, body: str) -> dict[str, Any]:
        note = {"id": self.next_id(), "body": body, "author": USERS[author], "system": False}
        self.issue_notes.append((iid, body))
        self.issue_note_records.append((iid, note))
        return note

    def merged(self, commit: str, iid: int = int(MR), **fields: Any) -> dict[str, Any]:
        """GitLab's answer for a merge request merged into main by the merge commit `commit`."""
        mr = {
            "id": self.next_id(),
            "iid": iid,
            "project_id": int(UPSTREAM),
            "state": "merged",
            "target_branch": "main",
            "source_branch": "feature",
            "sha": "f" * 40,  # its last commit before the merge
            "merge_commit_sha": commit,
            "squash_commit_sha": None,
        } | fields
        self.commit_mrs.setdefault(commit, []).append(mr)
        return mr

    def ours(self, marker: str = "infermod-plan") -> list[dict[str, Any]]:
        return [n for n in self.notes if n["author"]["id"] == 10 and marker in n["body"]]

    # -- the server -------------------------------------------------------------------

    def handle(self, req: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self._handle(req)

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        url = urlsplit(req.path)
        self.requests.append((req.command, url.path))
        self.tokens += [req.headers["PRIVATE-TOKEN"]] if "PRIVATE-TOKEN" in req.headers else []
        length = int(req.headers.get("content-length") or 0)
        body = json.loads(req.rfile.read(length)) if length else {}
        for fault in self.faults:
            if fault.method == req.command and re.fullmatch(fault.path, url.path):
                self.faults.remove(fault)
                if fault.carried_out:
                    self._route(_Unanswered(req), body, url.query)
                if fault.status == DROP:
                    req.close_connection = True  # no answer at all: the connection closes
                    return None
                return self.send(req, fault.status, fault.body, fault.headers)
        self._route(req, body, url.query)

    def _route(self, req: Any, body: Any, raw_query: str) -> None:
        user = USERS.get(req.headers.get("PRIVATE-TOKEN", ""))
        if user is None:
            return self.send(req, 401, {"message": "401 Unauthorized"})
        query = {k: v[0] for k, v in parse_qs(raw_query).items()}
        path = urlsplit(req.path).path.removeprefix("/api/v4")
        if path == "/user" and req.command == "GET":
            return self.send(req, 200, user)
        m = re.fullmatch(rf"/projects/{UPSTREAM}/merge_requests/{MR}/notes(?:/(\d+))?", path)
        if m:
            return self.notes_api(req, user, body, query, m.group(1))
        m = re.fullmatch(rf"/projects/{UPSTREAM}/repository/commits/([0-9a-f]+)/merge_requests", path)
        if m and req.command == "GET":
            return self.page(req, self.commit_mrs.get(m.group(1), []), query)
        m = re.fullmatch(rf"/projects/{UPSTREAM}/issues(?:/(\d+))?(/notes)?", path)
        if m:
            return self.issues_api(req, user, body, query, m.group(1), bool(m.group(2)))
        return self.send(req, 404, {"message": "404 Project Not Found"})

    def notes_api(
        self, req: Any, user: dict[str, Any], body: Any, query: dict[str, str], note: str | None
    ) -> None:
        if req.command == "GET" and note is None:
            return self.page(req, self.notes, query)
        if req.command == "POST" and note is None:
            return self.send(req, 201, self.add_note(_token_of(user), body["body"]))
        found = next((n for n in self.notes if str(n["id"]) == note), None)
        if found is None:
            return self.send(req, 404, {"message": "404 Not found"})
        if req.command == "PUT":
            if found["author"]["id"] != user["id"]:
                return self.send(req, 403, {"message": "403 Forbidden"})
            found["body"] = body["body"]
            return self.send(req, 200, found)
        return self.send(req, 405, {"message": "405 Method Not Allowed"})

    def issues_api(
        self, req: Any, user: dict[str, Any], body: Any, query: dict[str, str], iid: str | None, notes: bool
    ) -> None:
        if req.command == "GET" and iid is None:
            chosen = [
                i
                for i in self.issues
                if self.ignore_filters
                or (
                    (not query.get("labels") or query["labels"] in i["labels"])
                    and (not query.get("state") or i["state"] == query["state"])
                )
            ]
            return self.page(req, chosen, query)
        if req.command == "POST" and iid is None:
            issue = self.add_issue(_token_of(user), body["description"], body.get("labels", "").split(","))
            issue["title"] = body["title"]
            return self.send(req, 201, issue)
        found = next((i for i in self.issues if str(i["iid"]) == iid), None)
        if found is None:
            return self.send(req, 404, {"message": "404 Issue Not Found"})
        if notes and req.command == "POST":
            return self.send(req, 201, self.add_issue_note(_token_of(user), found["iid"], body["body"]))
        if notes and req.command == "GET":
            mine = [n for iid, n in self.issue_note_records if iid == found["iid"]]
            return self.page(req, mine[::-1] if query.get("sort") == "desc" else mine, query)
        if req.command == "PUT" and not notes:  # a Reporter may edit and close any issue
            if body.get("state_event") == "close":
                found["state"] = "closed"
            found.update({k: v for k, v in body.items() if k in ("title", "description")})
            return self.send(req, 200, found)
        return self.send(req, 405, {"message": "405 Method Not Allowed"})

    def page(self, req: Any, items: list[dict[str, Any]], query: dict[str, str]) -> None:
        page, per_page = int(query.get("page", 1)), int(query.get("per_page", 20))
        chunk = items[(page - 1) * per_page : page * per_page]
        more = page * per_page < len(items)
        self.send(req, 200, chunk, {"x-next-page": str(page + 1) if more else ""})

    def send(self, req: Any, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        req.send_response(status)
        for k, v in (headers or {}).items():
            req.send_header(k, v)
        req.send_header("content-type", "application/json")
        req.send_header("content-length", str(len(raw)))
        req.end_headers()
        req.wfile.write(raw)


class _Unanswered:
    """The request as GitLab carries it out, with an answer that never reaches the client."""

    def __init__(self, req: BaseHTTPRequestHandler) -> None:
        self.command, self.path, self.headers = req.command, req.path, req.headers
        self.wfile = io.BytesIO()

    def send_response(self, *_: Any) -> None:
        pass

    def send_header(self, *_: Any) -> None:
        pass

    def end_headers(self) -> None:
        pass


def _token_of(user: dict[str, Any]) -> str:
    return next(t for t, u in USERS.items() if u is user)
