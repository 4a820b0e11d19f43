"""Replay the real API's recorded traffic against the emulator.

../shared/api-recordings holds request/response pairs recorded against the live Inference v1
API by Scaleway's Terraform provider (go-vcr v2) and CLI (go-vcr v1) test suites. Each
recorded request is sent to the emulator, in order, with recorded ids mapped to the ids the
emulator returned; status codes, JSON key sets (at every depth), error types and resource
statuses must match. A recorded status is polled for (the real service takes minutes, the
emulator a second), so the status *sequences* must match too. The emulator's clock is the
replay's: it moves only between polls, by less than the shortest status lasts, so every status
is seen whatever the machine's load (on wall-clock time, a request delayed past a half-second
"creating" missed it). Every emulator answer must also unmarshal through the SDK's own
marshalling.

Substitutions, because the emulator's catalog is not the 2025 one: a recorded catalog model
unknown to the emulator is replayed as an emulator catalog model that runs on the recorded
node type (its quantization left to the API's default), and a GET of one as Llama 3.1 8B; the
project is the test project. The CLI's v1 cassettes store
the response body in place of the request body, so their create requests are rebuilt from it.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import pytest
import requests
import yaml
from scaleway.inference.v1 import marshalling

from tests.conftest import PROJECT, SECRET_KEY, start_emulator
from tests.helpers import RECORDINGS

CASSETTES = sorted(RECORDINGS.glob("*.yaml")) if RECORDINGS.is_dir() else []
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
LLAMA = "meta/llama-3.1-8b-instruct:fp8"
AUTH = {"x-auth-token": SECRET_KEY}
READY_AFTER = 1.0
# Shorter than the shortest status the emulator shows (a relabel's deploying, 0.1 x ready_after).
STEP = READY_AFTER / 20
POLLS = int(6 * READY_AFTER / STEP)  # a status not reached within six ready_after is a mismatch

pytestmark = pytest.mark.skipif(not CASSETTES, reason="../shared/api-recordings is absent")


class Exchange(NamedTuple):
    method: str
    path: str
    query: str
    request: Any  # JSON request body, or None
    code: int
    response: Any  # JSON response body, or None


def _json(text: str | None) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def load(path: Path) -> list[Exchange]:
    """The cassette's Inference API exchanges, consecutive identical polls folded into one."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: list[Exchange] = []
    for item in data["interactions"]:
        url = urlsplit(item["request"]["url"])
        if not url.path.startswith("/inference/v1/"):
            continue
        request = _json(item["request"].get("body"))
        if data.get("version") == 1:  # the CLI's recorder stored the answer as the request body
            request = _rebuild(request) if item["request"]["method"] == "POST" else None
        response = _json(item["response"].get("body"))
        ex = Exchange(
            item["request"]["method"], url.path, url.query, request, int(item["response"]["code"]), response
        )
        if out and _fold_key(out[-1]) == _fold_key(ex):
            continue
        out.append(ex)
    return out


def _fold_key(ex: Exchange) -> tuple[Any, ...]:
    status = ex.response.get("status") if isinstance(ex.response, dict) else None
    return ex.method, ex.path, ex.query, ex.code, status


def _rebuild(recorded: Any) -> dict[str, Any]:
    """A create request from the deployment the CLI recorded (or an error body: no fields)."""
    recorded = recorded if isinstance(recorded, dict) else {}
    endpoints = []
    for e in recorded.get("endpoints") or []:
        spec: dict[str, Any] = {"disable_auth": e.get("disable_auth", False)}
        if e.get("private_network"):
            spec["private_network"] = {"private_network_id": e["private_network"]["private_network_id"]}
        else:
            spec["public_network"] = {}
        endpoints.append(spec)
    return {
        "name": recorded.get("name", "replayed"),
        "model_id": recorded.get("model_id", ""),
        "node_type_name": recorded.get("node_type_name", "L4"),
        "accept_eula": True,
        "tags": recorded.get("tags", []),
        "min_size": recorded.get("min_size", 1),
        "max_size": recorded.get("max_size", 1),
        "endpoints": endpoints,
    }


class Clock:
    """The emulator's time, moved only by the replay."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class Replayer:
    def __init__(self, url: str, clock: Clock) -> None:
        self.url = url
        self.clock = clock
        self.ids: dict[str, str] = {}
        models = self.call("GET", "/inference/v1/regions/fr-par/models", "page_size=1000", None)[1]["models"]
        self.llama = next(m["id"] for m in models if m["name"] == LLAMA)
        self.runs_on: dict[str, str] = {}  # node type -> the first catalog model that runs on it
        for m in models:
            for node in m["nodes_support"][0]["nodes"]:
                if any(q["allowed"] for q in node["quantizations"]):
                    self.runs_on.setdefault(node["node_type_name"], m["id"])

    def call(self, method: str, path: str, query: str, body: Any) -> tuple[int, Any]:
        target = f"{self.url}{path}" + (f"?{query}" if query else "")
        response = requests.request(method, target, json=body, headers=AUTH, timeout=10)
        return response.status_code, _json(response.text)

    def map_path(self, path: str) -> str:
        def swap(m: re.Match[str]) -> str:
            found = m.group(0)
            if found in self.ids:
                return self.ids[found]
            return self.llama if "/models/" in path else found  # an unknown catalog model

        return UUID.sub(swap, path)

    def map_body(self, ex: Exchange) -> Any:
        if not isinstance(ex.request, dict):
            return ex.request
        body = dict(ex.request, project_id=PROJECT)
        if "model_id" in body:
            if body["model_id"] in self.ids:
                body["model_id"] = self.ids[body["model_id"]]
            else:
                body["model_id"] = self.runs_on.get(body.get("node_type_name", ""), self.llama)
                body.pop("quantization", None)  # the recorded model's quantizations, not Llama's
        return body

    def replay(self, ex: Exchange) -> tuple[int, Any]:
        path, body = self.map_path(ex.path), self.map_body(ex)
        wanted = ex.response.get("status") if isinstance(ex.response, dict) and ex.code == 200 else None
        for _ in range(POLLS):
            code, answer = self.call(ex.method, path, ex.query, body)
            if ex.method != "GET":
                break
            status = answer.get("status") if isinstance(answer, dict) else None
            if code == ex.code and (wanted is None or status == wanted):
                break
            self.clock.now += STEP
        if ex.method == "POST" and code == 200 and isinstance(ex.response, dict):
            self.ids[ex.response["id"]] = answer["id"]
            for old, new in zip(
                ex.response.get("endpoints") or [], answer.get("endpoints") or [], strict=False
            ):
                self.ids[old["id"]] = new["id"]
        return code, answer


def shape(value: Any) -> Any:
    """Key sets at every depth (lists by their first element)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return None


def unmarshaller(method: str, path: str) -> Any:
    if path.endswith("/deployments") and method == "GET":
        return marshalling.unmarshal_ListDeploymentsResponse
    if path.endswith("/models") and method == "GET":
        return marshalling.unmarshal_ListModelsResponse
    if "/deployments" in path:
        return marshalling.unmarshal_Deployment
    return marshalling.unmarshal_Model


def replay_cassette(url: str, clock: Clock, cassette: Path) -> None:
    exchanges = load(cassette)
    assert exchanges, f"{cassette.name}: no Inference API traffic"
    replayer = Replayer(url, clock)
    for n, ex in enumerate(exchanges):
        where = f"{cassette.name} #{n} {ex.method} {ex.path}"
        code, answer = replayer.replay(ex)
        assert code == ex.code, f"{where}: {code} {answer}"
        if not isinstance(ex.response, dict):
            assert answer is None, f"{where}: expected no body, got {answer}"
            continue
        assert isinstance(answer, dict), where
        if code != 200:
            for key in ("type", "resource"):
                assert (key, answer.get(key)) == (key, ex.response.get(key)), where
        else:
            assert answer.get("status") == ex.response.get("status"), where
            unmarshal = unmarshaller(ex.method, ex.path)
            unmarshal(answer)
            unmarshal(ex.response)
        assert shape(answer) == shape(ex.response) or _same_keys(answer, ex.response), where


def test_emulator_replays_the_recorded_traffic():
    """Every cassette, each against an emulator of its own whose clock its replay moves."""
    outcomes = [_outcome(cassette) for cassette in CASSETTES]
    failures = [o for o in outcomes if o]
    assert not failures, "\n".join(failures)
    assert len(outcomes) == len(CASSETTES) >= 8


def _outcome(cassette: Path, **settings: Any) -> str:
    running, server = start_emulator(ready_after=READY_AFTER, **settings)
    clock = running.app.store.clock = Clock()
    try:
        replay_cassette(running.url, clock, cassette)
    except AssertionError as exc:
        return f"{cassette.name}: {exc}"
    finally:
        server.shutdown()
        server.server_close()
    return ""


def _same_keys(answer: Any, recorded: Any) -> bool:
    """Shapes agree where both have a value; a recorded empty list matches any list."""
    if isinstance(answer, dict) and isinstance(recorded, dict):
        if set(answer) != set(recorded):
            raise AssertionError(f"keys {sorted(set(answer) ^ set(recorded))} differ")
        return all(_same_keys(answer[k], recorded[k]) for k in answer)
    if isinstance(answer, list) and isinstance(recorded, list):
        return not answer or not recorded or _same_keys(answer[0], recorded[0])
    return True
