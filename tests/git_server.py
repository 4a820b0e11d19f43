"""A git server on 127.0.0.1 over smart HTTP (git's own git-http-backend, run as CGI), for the
tests that fetch infermod the way a GitLab team does: `git clone`, pip's `git+http://…@tag`,
gitlab-ci-local's component and project includes. Read-only: pushes are refused."""

from __future__ import annotations

import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


def http_backend() -> str | None:
    found = subprocess.run(["git", "--exec-path"], capture_output=True, text=True, check=False)
    backend = Path(found.stdout.strip()) / "git-http-backend"
    return str(backend) if found.returncode == 0 and backend.exists() else None


class GitServer:
    """Serves every bare repository under `root` as http://127.0.0.1:PORT/<path>.git."""

    def __init__(self, root: Path) -> None:
        backend = http_backend()
        if backend is None:
            raise RuntimeError("git-http-backend not found (git --exec-path)")
        self.root = root
        self.requests: list[str] = []

        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.cgi(self, backend)

            do_POST = do_GET

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def publish(self, source: Path, path: str) -> Path:
        """A bare copy of the repository `source` (all its branches and tags) at <path>.git."""
        target = self.root / f"{path}.git"
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", "--bare", str(source), str(target)], check=True)
        return target

    def cgi(self, req: BaseHTTPRequestHandler, backend: str) -> None:
        url = urlsplit(req.path)
        self.requests.append(f"{req.command} {url.path}")
        length = int(req.headers.get("content-length") or 0)
        body = req.rfile.read(length) if length else b""
        env = {
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": req.command,
            "PATH_INFO": url.path,
            "QUERY_STRING": url.query,
            "CONTENT_TYPE": req.headers.get("content-type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "GIT_PROTOCOL": req.headers.get("git-protocol", ""),
            "REMOTE_ADDR": "127.0.0.1",
            "PATH": "/usr/bin:/bin",
        }
        if req.headers.get("content-encoding") == "gzip":
            env["HTTP_CONTENT_ENCODING"] = "gzip"
        if "git-receive-pack" in url.path or "git-receive-pack" in url.query:
            req.send_response(403)
            req.end_headers()
            return
        done = subprocess.run([backend], input=body, env=env, capture_output=True, check=False, timeout=120)
        head, _, payload = done.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = done.stdout.partition(b"\n\n")
        status = 200
        headers: list[tuple[str, str]] = []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name.strip(), value.strip()))
        req.send_response(status)
        for name, value in headers:
            req.send_header(name, value)
        req.send_header("content-length", str(len(payload)))
        req.end_headers()
        req.wfile.write(payload)
