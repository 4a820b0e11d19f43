"""A small local Hugging Face Hub: the routes huggingface_hub uses to read a model's files.

`--sandbox` serves the example custom model with it (so `--check-models` needs no network),
and the tests serve hostile repositories. Repositories are files in memory; a weight file may
be `Sparse` (a header, then zeros up to its size), so an 8B model costs a few KB. A gated
repository answers 401 with X-Error-Code: GatedRepo unless the request carries its token.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

COMMIT = "a" * 40
CHUNK = 1 << 20


class Sparse(NamedTuple):
    """A file made of `head` followed by zero bytes, `size` bytes long in all."""

    head: bytes
    size: int

    def read(self, start: int, end: int) -> bytes:
        """Bytes [start, end) of the file."""
        end = min(end, self.size)
        data = self.head[start:end]
        return data + b"\0" * max(0, end - max(start, len(self.head)))


Content = bytes | Sparse


class Repo:
    def __init__(self, files: dict[str, Content], token: str | None = None) -> None:
        self.files = files
        self.token = token


def safetensors(shapes: dict[str, list[int]], dtype: str = "BF16", with_data: bool = True) -> Content:
    """A safetensors file with these tensor shapes; its data are zeros. with_data=False gives a
    Sparse file of the same size, which costs only its header."""
    size = {"BF16": 2, "F16": 2, "F32": 4}[dtype]
    header: dict[str, Any] = {}
    offset = 0
    for name, shape in shapes.items():
        count = 1
        for dim in shape:
            count *= dim
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + count * size]}
        offset += count * size
    raw = json.dumps(header).encode()
    head = struct.pack("<Q", len(raw)) + raw
    return head + b"\0" * offset if with_data else Sparse(head, len(head) + offset)


def _size(content: Content) -> int:
    return content.size if isinstance(content, Sparse) else len(content)


def _byte_range(header: str, size: int) -> tuple[int, int] | str | None:
    """[start, end) of a `bytes=first-last` header as HTTP has it (RFC 9110 14.1.2): None to
    serve the whole file (no range, or an invalid one such as last < first), "unsatisfiable"
    when it starts past the end. A negative length once left the client waiting forever."""
    ranged = re.fullmatch(r"bytes=(\d+)-(\d*)", header.strip())
    if not ranged:
        return None
    first = int(ranged.group(1))
    if ranged.group(2) and int(ranged.group(2)) < first:
        return None
    if first >= size:
        return "unsatisfiable"
    last = int(ranged.group(2)) if ranged.group(2) else size - 1
    return first, min(last, size - 1) + 1


class Hub:
    """Serves `repos` on 127.0.0.1 at a free port until close()."""

    def __init__(self, repos: dict[str, Repo] | None = None) -> None:
        self.repos: dict[str, Repo] = dict(repos or {})
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                hub.handle(self, body=True)

            def do_HEAD(self) -> None:
                hub.handle(self, body=False)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, req: BaseHTTPRequestHandler, body: bool) -> None:
        path = req.path.split("?")[0]
        info = re.match(r"^/api/models/([^/]+/[^/]+?)(?:/revision/[^/]+)?$", path)
        tree = re.match(r"^/api/models/([^/]+/[^/]+)/tree/([^/]+)(/.*)?$", path)
        resolve = re.match(r"^/([^/]+/[^/]+)/resolve/([^/]+)/(.+)$", path)
        match = tree or resolve or info
        repo = self.repos.get(match.group(1) if match else "")
        if repo is None:
            return self.send(
                req, 404, b'{"error": "Repository not found"}', {"X-Error-Code": "RepoNotFound"}, body
            )
        if repo.token and req.headers.get("authorization") != f"Bearer {repo.token}":
            return self.send(
                req, 401, b'{"error": "Access to model is restricted"}', {"X-Error-Code": "GatedRepo"}, body
            )
        if resolve:
            return self._file(req, repo, resolve.group(3), body)
        listing: list[dict[str, Any]] = [{"path": p, "size": _size(c)} for p, c in sorted(repo.files.items())]
        if tree:
            items = [
                {"type": "file", "oid": hashlib.sha1(str(f["path"]).encode()).hexdigest(), **f}
                for f in listing
            ]
            return self.send(req, 200, json.dumps(items).encode(), {"content-type": "application/json"}, body)
        model = {
            "id": match.group(1) if match else "",
            "sha": COMMIT,
            "siblings": [{"rfilename": f["path"], "size": f["size"]} for f in listing],
        }
        return self.send(req, 200, json.dumps(model).encode(), {"content-type": "application/json"}, body)

    def _file(self, req: BaseHTTPRequestHandler, repo: Repo, name: str, body: bool) -> None:
        content = repo.files.get(name)
        if content is None:
            return self.send(
                req, 404, b'{"error": "Entry not found"}', {"X-Error-Code": "EntryNotFound"}, body
            )
        size = _size(content)
        etag = hashlib.sha256(content.head if isinstance(content, Sparse) else content).hexdigest()
        headers = {"X-Repo-Commit": COMMIT, "ETag": f'"{etag}"', "content-type": "application/octet-stream"}
        start, end, status = 0, size, 200
        ranged = _byte_range(req.headers.get("range") or "", size)
        if ranged == "unsatisfiable":
            headers = {"content-range": f"bytes */{size}", "content-type": "application/json"}
            return self.send(req, 416, b'{"error": "Range Not Satisfiable"}', headers, body)
        if isinstance(ranged, tuple):
            start, end = ranged
            status = 206
            headers["content-range"] = f"bytes {start}-{end - 1}/{size}"
        req.send_response(status)
        for key, value in headers.items():
            req.send_header(key, value)
        req.send_header("content-length", str(end - start))
        req.end_headers()
        if not body:
            return
        for offset in range(start, end, CHUNK):  # a whole sparse file is streamed, never built
            piece = (
                content.read(offset, min(end, offset + CHUNK))
                if isinstance(content, Sparse)
                else content[offset : min(end, offset + CHUNK)]
            )
            req.wfile.write(piece)

    def send(
        self, req: BaseHTTPRequestHandler, status: int, content: bytes, headers: dict[str, str], body: bool
    ) -> None:
        req.send_response(status)
        for key, value in headers.items():
            req.send_header(key, value)
        req.send_header("content-length", str(len(content)))
        req.end_headers()
        if body:
            req.wfile.write(content)
