"""`python -m infermod.livecheck --write`: the write-path assumptions, checked by doing.

Explicit opt-in, in your own default project: it creates the cheapest deployment the catalog
allows (tagged `infermod:livecheck`), watches what the API answers, and always deletes what it
created, also on Ctrl-C or an error. Each check names its assumption's id in
docs/scaleway-api-assumptions.md; the report is the read-only check's, so it can be attached
to an issue. A deployment costs its node's price for the ~20 minutes this takes.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from typing import Any, NamedTuple

from infermod.livecheck.checks import PUBLIC_PROJECT_ID, Check

TAG = "infermod:livecheck"
TRANSIENT = ("creating", "deploying", "scaling", "deleting")


class Writer(NamedTuple):
    request: Callable[[str, str, dict[str, Any] | None], tuple[int, Any]]  # (method, path, body)
    region: str
    project_id: str
    sleep: Callable[[float], None] = time.sleep
    poll: float = 10.0  # seconds between reads
    limit: float = 45 * 60.0  # the longest wait for one status change


def _ok(cid: str, what: str, problems: list[str], good: str) -> Check:
    return Check(cid, what, "differs" if problems else "ok", "; ".join(problems[:5]) if problems else good)


def _instant(text: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def cheapest(w: Writer) -> tuple[dict[str, Any], str, int] | None:
    """A catalog model without an EULA on the node type with the least GPU memory it is
    allowed on, and its largest allowed quantization."""
    base = f"/inference/v1/regions/{w.region}"
    status, nodes = w.request("GET", f"{base}/node-types?page_size=100", None)
    status2, models = w.request("GET", f"{base}/models?page_size=1000", None)
    if status != 200 or status2 != 200:
        return None
    memory = {n["name"]: n.get("vram") or 0 for n in nodes.get("node_types") or [] if not n.get("disabled")}
    best = None
    for m in models.get("models") or []:
        if m.get("project_id") != PUBLIC_PROJECT_ID or m.get("has_eula"):
            continue
        for block in m.get("nodes_support") or []:
            for node in block.get("nodes") or []:
                bits = [q["quantization_bits"] for q in node["quantizations"] if q.get("allowed")]
                if bits and node["node_type_name"] in memory:
                    key = (memory[node["node_type_name"]], -max(bits))
                    if best is None or key < best[0]:
                        best = (key, m, node["node_type_name"], max(bits))
    return None if best is None else (best[1], best[2], best[3])


def run(w: Writer) -> list[Check]:
    base = f"/inference/v1/regions/{w.region}"
    out: list[Check] = []
    created: list[str] = []
    try:
        chosen = cheapest(w)
        if chosen is None:
            return [Check("W0", "a deployable catalog model without an EULA", "skipped", "none found")]
        model, node_type, bits = chosen
        spec = {
            "name": f"infermod-livecheck-{uuid.uuid4().hex[:8]}",
            "project_id": w.project_id,
            "model_id": model["id"],
            "node_type_name": node_type,
            "accept_eula": False,
            "tags": [TAG],
            "min_size": 1,
            "max_size": 1,
            "quantization": {"bits": bits},
        }
        status, body = w.request("POST", f"{base}/deployments", {**spec, "endpoints": []})
        if status == 200 and isinstance(body, dict):
            created.append(body["id"])
        details = (
            [d.get("argument_name") for d in (body or {}).get("details") or []]
            if isinstance(body, dict)
            else []
        )
        out.append(
            _ok(
                "B9",
                "a create without endpoints is refused: 400 invalid_arguments on `endpoints`",
                []
                if (status, "endpoints" in details) == (400, True)
                else [f"answered {status} {body!r:.120}"],
                "400 invalid_arguments, endpoints",
            )
        )
        spec["endpoints"] = [{"public_network": {}, "disable_auth": False}]
        status, body = w.request("POST", f"{base}/deployments", spec)
        if status != 200:
            out.append(
                Check("B3", "a create answers `creating`", "differs", f"answered {status} {body!r:.120}")
            )
            return out
        dep = body["id"]
        created.append(dep)
        out.append(
            _ok(
                "B3",
                "a create answers `creating` with updated_at null",
                []
                if (body.get("status"), body.get("updated_at")) == ("creating", None)
                else [f"answered {body.get('status')}, updated_at {body.get('updated_at')}"],
                f"{model['name']} on {node_type} at {bits} bits: creating",
            )
        )
        status, body = w.request("PATCH", f"{base}/deployments/{dep}", {"tags": [TAG, "x"]})
        kind = body.get("type") if isinstance(body, dict) else None
        out.append(
            _ok(
                "B11",
                "a change during `creating` is refused: 409 transient_state",
                [] if (status, kind) == (409, "transient_state") else [f"answered {status} {kind}"],
                "409 transient_state",
            )
        )
        seen = _until(w, f"{base}/deployments/{dep}", lambda d: d.get("status") not in TRANSIENT)
        order = [s for s, _ in seen] or ["unread"]
        problems = [] if order[-1] == "ready" else [f"ended {order[-1]}"]
        problems += [
            f"unexpected {s}" for s in dict.fromkeys(order) if s not in ("creating", "deploying", "ready")
        ]
        out.append(
            _ok(
                "B3",
                "a creation goes creating → deploying → ready",
                problems,
                " → ".join(dict.fromkeys(order)),
            )
        )
        if order[-1:] != ["ready"]:
            return out
        status, answer = w.request("PATCH", f"{base}/deployments/{dep}", {"name": spec["name"] + "-2"})
        what = "after a rename: the transient status, maybe `ready` with the update's updated_at, then a later `ready`"
        since = _instant(answer.get("updated_at")) if isinstance(answer, dict) else None
        if status != 200 or since is None:
            out.append(Check("B7", what, "differs", f"the rename answered {status} {answer!r:.120}"))
            return out

        def served(d: dict[str, Any]) -> bool:
            later = _instant(d.get("updated_at"))
            return d.get("status") == "ready" and later is not None and since is not None and later > since

        seen = _until(w, f"{base}/deployments/{dep}", served)
        blip = sum(1 for s, u in seen if s == "ready" and _instant(u) == since)
        path_seen = " → ".join(dict.fromkeys(s for s, _ in seen))
        problems = [] if seen and served_last(seen, since) else [f"seen {path_seen or 'nothing'}"]
        out.append(
            _ok(
                "B7",
                what,
                problems,
                f"answered {answer.get('status')}; blip seen in {blip} read(s); {path_seen}",
            )
        )
    finally:
        out += _cleanup(w, base, created)
    return out


def served_last(seen: list[tuple[str, Any]], since: dt.datetime | None) -> bool:
    status, updated = seen[-1]
    later = _instant(updated)
    return status == "ready" and later is not None and since is not None and later > since


def _until(w: Writer, path: str, done: Callable[[dict[str, Any]], bool]) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []
    end = time.monotonic() + w.limit
    while time.monotonic() < end:
        status, body = w.request("GET", path, None)
        if status != 200 or not isinstance(body, dict):
            seen.append((f"HTTP {status}", None))
            return seen
        seen.append((str(body.get("status")), body.get("updated_at")))
        if done(body):
            return seen
        w.sleep(w.poll)
    return seen


def _cleanup(w: Writer, base: str, created: list[str]) -> list[Check]:
    """Delete everything created, whatever happened (Ctrl-C included). B4: a delete answers
    `deleting`, then the deployment answers 404 not_found."""
    return [_delete(w, f"{base}/deployments/{dep}", dep) for dep in created]


def _delete(w: Writer, path: str, dep: str) -> Check:
    what = f"a delete answers `deleting`, then 404 not_found (deployment {dep} cleaned up)"
    end = time.monotonic() + w.limit
    answer: Any = None
    while True:  # a deployment still creating refuses its delete (409): wait for it
        status, body = w.request("DELETE", path, None)
        if status != 409 or time.monotonic() > end:
            answer = body
            break
        w.sleep(w.poll)
    if status == 404:
        return Check("B4", what, "ok", "already gone")
    if status != 200:
        return Check("B4", what, "differs", f"delete answered {status}: delete {dep} by hand")
    seen: list[int] = []
    while time.monotonic() < end:
        got, body = w.request("GET", path, None)
        if got == 404:
            kind = body.get("type") if isinstance(body, dict) else None
            deleting = isinstance(answer, dict) and answer.get("status") == "deleting"
            problems = (
                [] if deleting and kind == "not_found" else [f"answered {answer!r:.80}, then 404 {kind}"]
            )
            return _ok("B4", what, problems, "deleting, then 404 not_found")
        seen.append(got)
        w.sleep(w.poll)
    return Check("B4", what, "differs", f"still there after {w.limit:.0f}s: delete {dep} by hand")
