"""The emulator's HTTP server: routing, auth, pagination, faults and stats around the Store."""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlparse

from infermod.emulator import catalog, ipam
from infermod.emulator.checks import check_types
from infermod.emulator.errors import ApiError, too_many_requests
from infermod.emulator.store import Store, view
from infermod.lazyre import lazy
from infermod.regions import regions

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 1000
MAX_BODY_BYTES = 1024 * 1024  # far above any request the API takes; a larger one is refused unread


class Settings(NamedTuple):
    ready_after: float = 5.0
    latency_ms: int = 0
    fault_rate: float = 0.0
    lose_create_responses: int = 0
    state_dir: str | None = None
    node_quota: dict[str, int] | None = None  # None: quota.DEFAULT_NODE_QUOTA
    retry_after: int = 1
    seed: int | None = None
    # Seconds a connection may stay silent (request line, headers, a short body) before it is
    # closed: a client sending less than its content-length held a handler thread forever.
    read_timeout: float = 30.0
    # Seconds before lists show a new deployment (reads by id show it at once): an eventually
    # consistent API, for testing that creates stay single when lists lag.
    list_lag: float = 0.0
    # the regions served (None: those infermod reads); others answer 400 invalid_arguments
    regions: tuple[str, ...] | None = None


class Route(NamedTuple):
    method: str
    pattern: re.Pattern[str]
    template: str
    handler: str


def _route(method: str, template: str, handler: str) -> Route:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return Route(method, re.compile(f"^{regex}$"), f"{method} {template}", handler)


INFERENCE = "/inference/v1/regions/{region}"
ROUTES = [
    _route("GET", INFERENCE + "/deployments", "list_deployments"),
    _route("POST", INFERENCE + "/deployments", "create_deployment"),
    _route("GET", INFERENCE + "/deployments/{deployment_id}", "get_deployment"),
    _route("PATCH", INFERENCE + "/deployments/{deployment_id}", "update_deployment"),
    _route("DELETE", INFERENCE + "/deployments/{deployment_id}", "delete_deployment"),
    _route("GET", INFERENCE + "/deployments/{deployment_id}/certificate", "get_certificate"),
    _route("POST", INFERENCE + "/endpoints", "create_endpoint"),
    _route("PATCH", INFERENCE + "/endpoints/{endpoint_id}", "update_endpoint"),
    _route("DELETE", INFERENCE + "/endpoints/{endpoint_id}", "delete_endpoint"),
    _route("GET", INFERENCE + "/models", "list_models"),
    _route("POST", INFERENCE + "/models", "create_model"),
    _route("GET", INFERENCE + "/models/{model_id}", "get_model"),
    _route("DELETE", INFERENCE + "/models/{model_id}", "delete_model"),
    _route("GET", INFERENCE + "/node-types", "list_node_types"),
    _route("GET", "/product-catalog/v2alpha1/public-catalog/products", "list_products"),
    _route("GET", "/ipam/v1/regions/{region}/ips", "list_ips"),
]
STATUS_CONTROL = lazy(r"^/emulator/v1/deployments/([^/]+)/status$")
CREATES = {"create_deployment", "create_model", "create_endpoint"}


class Emulator:
    """The application: turns (method, path, query, body) into (status, headers, body)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(settings.ready_after, settings.state_dir, settings.node_quota, settings.list_lag)
        self.random = random.Random(settings.seed)
        self.stats: Counter[str] = Counter()
        self.connections = 0  # TCP connections accepted: keep-alive clients open few
        self.lost_creates_left = settings.lose_create_responses
        self.lock = threading.Lock()

    @property
    def served_regions(self) -> tuple[str, ...]:
        """Those of the settings, else the regions infermod reads (infermod/regions.py:
        fr-par, or INFERMOD_REGIONS to try more); other regions answer 400."""
        return self.settings.regions or regions()

    # -- control ---------------------------------------------------------------------------
    def reset(self) -> None:
        with self.store.shared():
            self.store.reset()
        with self.lock:
            self.stats.clear()
            self.connections = 0

    def stats_body(self) -> dict[str, Any]:
        with self.lock:
            return {
                "total": sum(self.stats.values()),
                "routes": dict(sorted(self.stats.items())),
                "connections": self.connections,
            }

    def should_lose_response(self, handler: str) -> bool:
        with self.lock:
            if handler in CREATES and self.lost_creates_left > 0:
                self.lost_creates_left -= 1
                return True
            return False

    def fault(self) -> tuple[int, dict[str, str], bytes] | None:
        if self.settings.fault_rate <= 0 or self.random.random() >= self.settings.fault_rate:
            return None
        kind = self.random.choice(["429", "503-json", "503-html"])
        if kind == "429":  # the reset is in the body (reset_seconds), not in a Retry-After header
            error = too_many_requests(self.settings.retry_after)
            return 429, {"content-type": "application/json"}, json.dumps(error.body).encode()
        if kind == "503-json":
            return (
                503,
                {"content-type": "application/json"},
                json.dumps({"type": "unknown", "message": "service unavailable"}).encode(),
            )
        return (
            503,
            {"content-type": "text/html"},
            b"<html><body><h1>503 Service Unavailable</h1></body></html>",
        )

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in ROUTES:
            if route.method == method:
                m = route.pattern.match(path)
                if m:
                    return route, m.groupdict()
        return None

    def handle(
        self, route: Route, params: dict[str, str], query: dict[str, list[str]], body: dict[str, Any]
    ) -> Any:
        with self.lock:
            self.stats[route.template] += 1
        region = params.get("region")
        if region is not None and region not in self.served_regions:
            raise ApiError(
                400,
                {
                    "type": "invalid_arguments",
                    "message": "invalid argument(s)",
                    "details": [
                        {
                            "argument_name": "region",
                            "reason": "constraint",
                            "help_message": f"unknown region {region}",
                        }
                    ],
                },
            )
        with self.store.shared():
            return getattr(self, route.handler)(params, query, body)

    # -- handlers --------------------------------------------------------------------------
    def list_deployments(self, p: dict[str, str], q: dict[str, list[str]], _: Any) -> Any:
        order_by = _one(q, "order_by") or "created_at_desc"
        items = self.store.query_deployments(
            p["region"],
            _one(q, "project_id"),
            _one(q, "name"),
            q.get("tags") or [],
            order_by.endswith("_desc"),
        )
        if order_by.startswith("name_"):
            items = _order(items, order_by)
        return _page(q, "deployments", items, view)  # only the page's records become JSON

    def get_deployment(self, p: dict[str, str], *_: Any) -> Any:
        return view(self.store.get_deployment(p["region"], p["deployment_id"]))

    def create_deployment(self, p: dict[str, str], _: Any, body: dict[str, Any]) -> Any:
        return view(self.store.create_deployment(p["region"], body))

    def update_deployment(self, p: dict[str, str], _: Any, body: dict[str, Any]) -> Any:
        return view(self.store.update_deployment(p["region"], p["deployment_id"], body))

    def delete_deployment(self, p: dict[str, str], *_: Any) -> Any:
        return view(self.store.delete_deployment(p["region"], p["deployment_id"]))

    def get_certificate(self, p: dict[str, str], *_: Any) -> Any:
        dep = self.store.get_deployment(p["region"], p["deployment_id"])
        pem = f"-----BEGIN CERTIFICATE-----\nZW11bGF0b3ItY2EtZm9yLXtkZXAgaWR9\n# {dep['id']}\n-----END CERTIFICATE-----\n"
        return {
            "name": "ca.pem",
            "content_type": "application/x-pem-file",
            "content": base64.b64encode(pem.encode()).decode(),
        }

    def list_ips(self, p: dict[str, str], q: dict[str, list[str]], _: Any) -> Any:
        return _page(q, "ips", ipam.ips(self.store.list_deployments(p["region"]), p["region"], q))

    def create_endpoint(self, p: dict[str, str], _: Any, body: dict[str, Any]) -> Any:
        return self.store.create_endpoint(p["region"], body)

    def update_endpoint(self, p: dict[str, str], _: Any, body: dict[str, Any]) -> Any:
        return self.store.update_endpoint(p["region"], p["endpoint_id"], body)

    def delete_endpoint(self, p: dict[str, str], *_: Any) -> Any:
        self.store.delete_endpoint(p["region"], p["endpoint_id"])
        return None

    def list_models(self, p: dict[str, str], q: dict[str, list[str]], _: Any) -> Any:
        # `project_id` filters like everywhere else ("Filter by Project ID"): public models
        # live in the zero project, so a project filter hides the whole catalog.
        items = _filter(self.store.list_models(p["region"]), q)
        if _one(q, "order_by") in ("name_asc", "name_desc", "created_at_asc", "created_at_desc"):
            items = _order(items, str(_one(q, "order_by")))
        return _page(q, "models", [self.store.view_model(m) for m in items])

    def get_model(self, p: dict[str, str], *_: Any) -> Any:
        return self.store.view_model(self.store.get_model(p["region"], p["model_id"]))

    def create_model(self, p: dict[str, str], _: Any, body: dict[str, Any]) -> Any:
        return self.store.view_model(self.store.create_model(p["region"], body))

    def delete_model(self, p: dict[str, str], *_: Any) -> Any:
        self.store.delete_model(p["region"], p["model_id"])
        return None  # 204, no body, as recorded

    def list_node_types(self, p: dict[str, str], q: dict[str, list[str]], _: Any) -> Any:
        include_disabled = _one(q, "include_disabled_types") in ("True", "true", "1")
        items = [n for n in catalog.node_types(p["region"]) if include_disabled or not n["disabled"]]
        return _page(q, "node_types", items)

    def list_products(self, _: Any, q: dict[str, list[str]], __: Any) -> Any:
        items = catalog.products(self.store.today, self.served_regions)
        types = q.get("product_types") or []
        if types:
            wanted = {"managed_inference": "Managed Inference", "generative_apis": "Generative APIs"}
            items = [i for i in items if i["product_category"] in {wanted.get(t) for t in types}]
        region = _one(q, "region")
        if region:
            items = [i for i in items if (i.get("locality") or {}).get("region") in (region, None)]
        return _page(q, "products", items)


def _one(q: dict[str, list[str]], key: str) -> str | None:
    values = q.get(key)
    return values[0] if values else None


def _filter(items: list[dict[str, Any]], q: dict[str, list[str]]) -> list[dict[str, Any]]:
    project = _one(q, "project_id")
    name = _one(q, "name")
    tags = q.get("tags") or []
    out = []
    for item in items:
        if project and item.get("project_id") != project:
            continue
        if name and name not in item.get("name", ""):
            continue
        if tags and not set(tags) <= set(item.get("tags") or []):
            continue
        out.append(item)
    return out


def _order(items: list[dict[str, Any]], order_by: str) -> list[dict[str, Any]]:
    field, _, direction = order_by.rpartition("_")
    key = "name" if field == "name" else "created_at"
    return sorted(items, key=lambda i: (i.get(key) or "", i.get("id", "")), reverse=direction == "desc")


def _page(
    q: dict[str, list[str]], key: str, items: list[Any], convert: Callable[[Any], Any] | None = None
) -> dict[str, Any]:
    try:
        page = int(_one(q, "page") or 1)
        size = int(_one(q, "page_size") or DEFAULT_PAGE_SIZE)
    except ValueError:
        raise ApiError(
            400,
            {
                "type": "invalid_arguments",
                "message": "invalid argument(s)",
                "details": [
                    {
                        "argument_name": "page",
                        "reason": "constraint",
                        "help_message": "page and page_size must be integers",
                    }
                ],
            },
        ) from None
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise ApiError(
            400,
            {
                "type": "invalid_arguments",
                "message": "invalid argument(s)",
                "details": [
                    {
                        "argument_name": "page_size",
                        "reason": "constraint",
                        "help_message": f"page >= 1 and 1 <= page_size <= {MAX_PAGE_SIZE}",
                    }
                ],
            },
        )
    start = (page - 1) * size
    chosen = items[start : start + size]
    return {key: [convert(i) for i in chosen] if convert else chosen, "total_count": len(items)}


class Handler(BaseHTTPRequestHandler):
    server_version = "infermod-emulator"
    protocol_version = "HTTP/1.1"
    app: Emulator  # set on the subclass made by make_server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the CLI prints only its first line

    def setup(self) -> None:
        super().setup()
        with self.app.lock:
            self.app.connections += 1

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")  # no route takes PUT: a JSON not_found, like any unknown route

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server's own errors (unknown method, malformed request line) in the API's JSON shape
        self.close_connection = True
        self._send(code, {"type": "invalid_request", "message": message or self.responses[code][0]})

    def _body_error(self, status: int, help_message: str) -> None:
        self.close_connection = True  # the body, if any, is left unread
        self._send(
            status,
            {
                "type": "invalid_arguments",
                "message": "invalid argument(s)",
                "details": [{"argument_name": "body", "reason": "constraint", "help_message": help_message}],
            },
        )

    def _dispatch(self, method: str) -> None:
        url = urlparse(self.path)
        declared = self.headers.get("content-length") or "0"
        if not (declared.isascii() and declared.isdigit()):
            return self._body_error(400, "content-length must be a non-negative integer")
        if int(declared) > MAX_BODY_BYTES:
            return self._body_error(413, f"request body larger than {MAX_BODY_BYTES} bytes")
        raw = self.rfile.read(int(declared)) if int(declared) else b""
        if url.path.startswith("/emulator/v1/"):
            return self._control(method, url.path, raw)
        if self.app.settings.latency_ms:
            time.sleep(self.app.settings.latency_ms / 1000)
        matched = self.app.match(method, url.path)
        if matched is None:
            return self._send(404, {"type": "not_found", "message": f"no route for {method} {url.path}"})
        if not self.headers.get("x-auth-token"):
            return self._send(
                401,
                {
                    "type": "denied_authentication",
                    "message": "authentication is denied",
                    "method": "api_key",
                    "reason": "not_found",
                },
            )
        fault = self.app.fault()
        if fault is not None:
            status, headers, body = fault
            return self._send_raw(status, headers, body)
        try:
            body = json.loads(raw) if raw else {}
            if not isinstance(body, dict):
                raise ValueError("body is not an object")
        except (ValueError, RecursionError):
            return self._send(
                400,
                {
                    "type": "invalid_arguments",
                    "message": "invalid argument(s)",
                    "details": [
                        {
                            "argument_name": "body",
                            "reason": "syntax",
                            "help_message": "request body must be a JSON object",
                        }
                    ],
                },
            )
        route, params = matched
        try:
            check_types(body)
            result = self.app.handle(route, params, parse_qs(url.query, keep_blank_values=False), body)
        except ApiError as exc:
            return self._send(exc.status, exc.body, exc.headers)
        if self.app.should_lose_response(route.handler):
            self.close_connection = True
            self.connection.shutdown(2)  # the work is done, but the client never hears of it
            return None
        if result is None:
            return self._send_raw(204, {}, b"")
        return self._send(200, result)

    def _control(self, method: str, path: str, raw: bytes) -> None:
        if method == "GET" and path == "/emulator/v1/stats":
            return self._send(200, self.app.stats_body())
        if method == "POST" and path == "/emulator/v1/reset":
            self.app.reset()
            return self._send(200, {"reset": True})
        status = STATUS_CONTROL.match(path)
        if method == "POST" and status:  # statuses only Scaleway causes: locked, deleted...
            try:
                wanted = str(json.loads(raw or b"{}").get("status", ""))
                with self.app.store.shared():
                    record = view(self.app.store.set_status(status.group(1), wanted))
                return self._send(200, record)
            except ApiError as exc:
                return self._send(exc.status, exc.body)
            except (ValueError, AttributeError, RecursionError):
                return self._send(400, {"type": "invalid_arguments", "message": 'expected {"status": ...}'})
        return self._send(404, {"type": "not_found", "message": f"no route for {method} {path}"})

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._send_raw(
            status, {"content-type": "application/json", **(headers or {})}, json.dumps(body).encode()
        )

    def _send_raw(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("content-length", str(len(body)))
        self.send_header("date", dt.datetime.now(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT"))
        self.end_headers()
        self.wfile.write(body)


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-request (killed, Ctrl-C) is ordinary: no traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def make_server(host: str, port: int, settings: Settings) -> tuple[EmulatorServer, Emulator]:
    app = Emulator(settings)
    handler = type("BoundHandler", (Handler,), {"app": app, "timeout": settings.read_timeout})
    server = EmulatorServer((host, port), handler)
    return server, app


def url_of(server: EmulatorServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host if isinstance(host, str) else host.decode()}:{port}"
