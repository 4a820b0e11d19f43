"""A local Hugging Face Hub for tests: the tree and resolve routes huggingface_hub uses.

Repositories are directories of files in memory; a gated repository answers 401 with
X-Error-Code: GatedRepo unless the request carries its token.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

COMMIT = "a" * 40


class Repo:
    def __init__(self, files: dict[str, bytes], token: str | None = None) -> None:
        self.files = files
        self.token = token


def safetensors(shapes: dict[str, list[int]], dtype: str = "BF16", with_data: bool = True) -> bytes:
    """A safetensors file: header with the shapes, then zero bytes for the data (left out with
    with_data=False, to stand for a large model whose header is all a reader fetches)."""
    size = {"BF16": 2, "F16": 2, "F32": 4}[dtype]
    header: dict[str, Any] = {}
    offset = 0
    for name, shape in shapes.items():
        n = 1
        for d in shape:
            n *= d
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n * size]}
        offset += n * size
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + (b"\0" * offset if with_data else b"")


def layout(
    architecture: str,
    *,
    model_type: str = "chat",
    name: str = "acme/model",
    template: str | None = "jinja",
    weights: str = "safetensors",
    max_pos: bool = True,
    tokenizer: bool = True,
    hidden: int = 64,
) -> dict[str, bytes]:
    """Files laid out like a Hugging Face model repository."""
    config: dict[str, Any] = {"architectures": [architecture], "_name_or_path": name, "model_type": "x"}
    if max_pos:
        config["max_position_embeddings"] = 8192
    files = {"config.json": json.dumps(config).encode(), "README.md": b"# model\n"}
    if tokenizer:
        files["tokenizer.json"] = b'{"version": "1.0"}'
    tok_config: dict[str, Any] = {"model_max_length": 8192}
    if template == "field":
        tok_config["chat_template"] = "{% for m in messages %}{{ m.content }}{% endfor %}"
    elif template == "jinja":
        files["chat_template.jinja"] = b"{% for m in messages %}{{ m.content }}{% endfor %}"
    elif template == "json":
        files["chat_template.json"] = json.dumps({"chat_template": "{{ messages }}"}).encode()
    files["tokenizer_config.json"] = json.dumps(tok_config).encode()
    if weights == "safetensors":
        files["model.safetensors"] = safetensors(
            {"embed.weight": [100, hidden], "lm_head.weight": [hidden, 100]}
        )
    elif weights == "pickle":
        files["pytorch_model.bin"] = b"\x80\x04pickle"
    return files


class Hub:
    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
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
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, req: BaseHTTPRequestHandler, body: bool) -> None:
        path = req.path.split("?")[0]
        tree = re.match(r"^/api/models/([^/]+/[^/]+)/tree/([^/]+)(/.*)?$", path)
        resolve = re.match(r"^/([^/]+/[^/]+)/resolve/([^/]+)/(.+)$", path)
        repo_id = (tree or resolve).group(1) if (tree or resolve) else None
        repo = self.repos.get(repo_id or "")
        if repo is None:
            return self.send(
                req, 404, b'{"error": "Repository not found"}', {"X-Error-Code": "RepoNotFound"}, body
            )
        if repo.token and req.headers.get("authorization") != f"Bearer {repo.token}":
            return self.send(
                req, 401, b'{"error": "Access to model is restricted"}', {"X-Error-Code": "GatedRepo"}, body
            )
        if tree:
            items = [
                {"type": "file", "path": p, "size": len(c), "oid": hashlib.sha1(c).hexdigest()}
                for p, c in sorted(repo.files.items())
            ]
            return self.send(req, 200, json.dumps(items).encode(), {"content-type": "application/json"}, body)
        assert resolve
        content = repo.files.get(resolve.group(3))
        if content is None:
            return self.send(
                req, 404, b'{"error": "Entry not found"}', {"X-Error-Code": "EntryNotFound"}, body
            )
        etag = hashlib.sha256(content).hexdigest()
        headers = {"X-Repo-Commit": COMMIT, "ETag": f'"{etag}"', "content-type": "application/octet-stream"}
        status = 200
        rng = req.headers.get("range")
        if rng and body:
            m = re.match(r"bytes=(\d+)-(\d*)", rng)
            if m:
                start, end = int(m.group(1)), int(m.group(2) or len(content) - 1)
                content = content[start : end + 1]
                status = 206
        return self.send(req, status, content, headers, body)

    def send(
        self, req: BaseHTTPRequestHandler, status: int, content: bytes, headers: dict[str, str], body: bool
    ) -> None:
        req.send_response(status)
        for k, v in headers.items():
            req.send_header(k, v)
        req.send_header("content-length", str(len(content)))
        req.end_headers()
        if body:
            req.wfile.write(content)
