"""The emulator's state: one organization's deployments and custom models, with the service's behaviour.

Status changes are scheduled, not run by a background thread: each resource carries a list
of (time, status) steps that are applied lazily whenever it is read. This keeps the server
single-process and deterministic, and the schedule survives restarts because it is stored
with the resource in wall-clock time.

The sequences follow the recorded traffic: a create answers `creating` (no `error_message`,
`updated_at` null), then `deploying` (`error_message: ""`), then `ready`; a delete answers
`deleting`, then 404. A resize passes through `scaling`, a rename or tag change briefly
through `deploying`. `locked` is final: nothing can be changed or deleted until Scaleway
unlocks it (tests set it through the control route).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from infermod.catalog import utc_today
from infermod.emulator import catalog, checks, custom_models
from infermod.emulator.errors import (
    ApiError,
    invalid,
    locked,
    not_found,
    permissions_denied,
    precondition_failed,
    quotas_exceeded,
    transient,
)
from infermod.emulator.index import DeploymentIndex
from infermod.emulator.quota import DEFAULT_NODE_QUOTA, nodes_in_use, quota_key
from infermod.emulator.statefile import read_state

TRANSIENT = {"creating", "deploying", "deleting", "scaling"}
FROZEN = TRANSIENT | {"locked"}  # no change is accepted in these statuses
SETTABLE = {"locked", "ready", "error", "deleted", "unknown_status"}  # through the control route

__all__ = ["ApiError", "Store", "view"]


def now_iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# The update blip (recorded after a rename): `ready` with the update's own updated_at, then the
# transient status again; its length as a fraction of --ready-after (~2 s of a ~14 min create
# is 0.002: longer here, so that a poll can see it).
BLIP = 0.05
KEEP = "keep-updated-at"


class Store:
    def __init__(
        self,
        ready_after: float,
        state_dir: str | None,
        node_quota: Mapping[str, int] | None = None,
        list_lag: float = 0.0,
    ) -> None:
        self.ready_after = ready_after
        self.list_lag = list_lag
        self.state_dir = state_dir
        self.node_quota = dict(DEFAULT_NODE_QUOTA if node_quota is None else node_quota)
        self.lock = threading.RLock()
        self.clock: Callable[[], float] = time.time  # tests replace it to step statuses on demand
        self.deployments: dict[str, dict[str, Any]] = {}
        self.models: dict[str, dict[str, Any]] = {}
        self.index = DeploymentIndex()  # the deployments ordered and filed (index.py)
        self.today = utc_today()
        self._seen: tuple[int, int, int] | None = None  # the state file's version in memory
        if state_dir:
            self._load()

    # ---- persistence -------------------------------------------------------------------
    def _path(self) -> str:
        assert self.state_dir
        return os.path.join(self.state_dir, "state.json")

    def _load(self) -> None:
        assert self.state_dir
        os.makedirs(self.state_dir, exist_ok=True)
        state = read_state(self._path())
        if state is None:
            return
        self.deployments, self.models = state
        self.index.rebuild(self.deployments.values())
        self._seen = self._version()

    def _version(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self._path())
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    @contextmanager
    def shared(self) -> Iterator[None]:
        """One request, when other processes may serve the same state directory (two
        sandboxes started in one directory): it holds the directory's lock and first reloads
        what another process wrote, so that no process writes back a stale copy."""
        if not self.state_dir:
            yield
            return
        with self.lock:
            fd = os.open(os.path.join(self.state_dir, "state.lock"), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                if self._version() != self._seen:
                    self.deployments, self.models = {}, {}
                    self.index.rebuild(())
                    self._load()
                yield
            finally:
                os.close(fd)  # releases the lock

    def save(self) -> None:
        """Write atomically: a crash leaves either the old or the new file, never half of one."""
        if not self.state_dir:
            return
        body = json.dumps({"deployments": self.deployments, "models": self.models})
        fd, tmp = tempfile.mkstemp(dir=self.state_dir, prefix=".state-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(body)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self._path())
            self._seen = self._version()
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def reset(self) -> None:
        with self.lock:
            self.deployments.clear()
            self.models.clear()
            self.index.rebuild(())
            self.save()

    # ---- lazy status transitions -------------------------------------------------------
    def _advance(self, record: dict[str, Any], now: float) -> bool:
        """Apply due steps; False when the resource is gone (deletion finished)."""
        steps = record.get("_steps", [])
        while steps and steps[0][0] <= now:
            when, status, *keep = steps.pop(0)
            if status == "gone":
                return False
            record["status"] = status
            if not keep:  # the update blip's `ready` keeps the update's updated_at
                record["updated_at"] = now_iso(when)
            if "min_size" in record:
                record.setdefault("error_message", "")
                if status == "ready":
                    record["size"] = record["min_size"]
        return True

    def _schedule(self, record: dict[str, Any], *steps: tuple[float, str] | tuple[float, str, str]) -> None:
        now = self.clock()
        record["_steps"] = [[now + step[0] * self.ready_after, *step[1:]] for step in steps]
        self.index.schedule(record)  # a model's id is not a deployment's: the index skips it

    def _live(self, table: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        now = self.clock()
        gone = [rid for rid, rec in table.items() if not self._advance(rec, now)]
        for rid in gone:
            del table[rid]
        return list(table.values())

    def _live_deployments(self) -> None:
        """Apply the status steps that are due (the index knows which), dropping the gone."""
        self.index.advance(self.clock(), self.deployments, self._advance)

    def _live_all(self) -> list[dict[str, Any]]:
        self._live_deployments()
        return list(self.deployments.values())

    def set_status(self, deployment_id: str, status: str) -> dict[str, Any]:
        """Control route: put a deployment in a status only Scaleway can cause (`locked`...)."""
        with self.lock:
            self._live_deployments()
            record = self.deployments.get(deployment_id)
            if record is None:
                raise not_found("deployment", deployment_id)
            if status not in SETTABLE:
                raise invalid("status", "invalid", f"settable statuses: {', '.join(sorted(SETTABLE))}")
            record["status"] = status
            record["_steps"] = [[self.clock() + self.ready_after, "gone"]] if status == "deleted" else []
            record["updated_at"] = now_iso(self.clock())
            self.index.schedule(record)
            self.save()
            return record

    # ---- deployments -------------------------------------------------------------------
    def list_deployments(self, region: str) -> list[dict[str, Any]]:
        return self.query_deployments(region)

    def query_deployments(
        self,
        region: str,
        project: str | None = None,
        name: str | None = None,
        tags: list[str] | None = None,
        descending: bool = False,
    ) -> list[dict[str, Any]]:
        """The region's deployments matching the filters, oldest first (or newest first):
        the index's kept answer, not a copy; O(page) for the pages after a first."""
        with self.lock:
            self._live_deployments()
            now = self.clock()
            visible = (lambda d: d.get("_listed_from", 0) <= now) if self.list_lag else None
            return self.index.query(self.deployments, region, project, name, tags or [], descending, visible)

    def get_deployment(self, region: str, deployment_id: str) -> dict[str, Any]:
        with self.lock:
            self._live_deployments()
            record = self.deployments.get(deployment_id)
            if record is None or record["region"] != region:
                raise not_found("deployment", deployment_id)
            return record

    def create_deployment(self, region: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            project = checks.require_project(body)
            model = self._usable_model(region, project, body.get("model_id"))
            node = checks.node_type(region, body.get("node_type_name"))
            bits = checks.check_fit(model, node["name"], body.get("quantization"))
            if model["has_eula"] and not body.get("accept_eula"):
                raise invalid(
                    "accept_eula",
                    "required",
                    f"model {model['name']} has an EULA: set accept_eula to true to accept it",
                )
            size = checks.check_sizes(
                body.get("min_size") or 1, body.get("max_size") or body.get("min_size") or 1
            )
            if not body.get("endpoints"):
                raise invalid("endpoints", "required", "a deployment needs at least one endpoint")
            self._check_quota(node["name"], size)
            dep_id = str(uuid.uuid4())
            record: dict[str, Any] = {
                "id": dep_id,
                "name": body.get("name") or f"inference-{dep_id[:8]}",
                "project_id": project,
                "status": "creating",
                "tags": list(body.get("tags") or []),
                "node_type_name": node["name"],
                "endpoints": [],
                "size": 0,
                "min_size": size,
                "max_size": size,
                "model_id": model["id"],
                "model_name": model["name"],
                "region": region,
                "quantization": {"bits": bits},
                "created_at": now_iso(self.clock()),
                "updated_at": None,
            }
            record["endpoints"] = [checks.endpoint(record, spec) for spec in body["endpoints"]]
            self._schedule(record, (0.5, "deploying"), (1.0, "ready"))
            if self.list_lag:
                record["_listed_from"] = self.clock() + self.list_lag
            self.deployments[dep_id] = record
            self.index.add(record)
            self.save()
            return record

    def update_deployment(self, region: str, deployment_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            for field in ("node_type_name", "endpoints", "project_id", "accept_eula", "region"):
                if field in body:
                    raise invalid(field, "immutable", f"{field} cannot be changed after creation")
            record = self._changeable(region, deployment_id)
            redeploy = self._update_model(region, record, body)
            resized = self._update_size(record, body)
            relabelled = False
            if body.get("name") and body["name"] != record["name"]:
                record["name"], relabelled = body["name"], True
            if body.get("tags") is not None and list(body["tags"]) != record["tags"]:
                record["tags"], relabelled = list(body["tags"]), True
            if relabelled:
                self.index.refile(record)
            # model or quantization: a redeploy (15-30 min); size: scaling; a rename or tag
            # change: ~2 min `deploying` (recorded). Each answers its transient status, then,
            # as recorded after a rename, the next reads say `ready` with the update's own
            # `updated_at` for a moment (~2 s real), then the transient status again (a later
            # `updated_at`) until the change is done.
            change = ("deploying", 1.0) if redeploy else ("scaling", 0.5) if resized else ("deploying", 0.15)
            if redeploy or resized or relabelled:
                status, hold = change
                record["status"] = status
                self._schedule(record, (0.0, "ready", KEEP), (BLIP, status), (BLIP + hold, "ready"))
            record["updated_at"] = now_iso(self.clock())
            self.save()
            return record

    def _update_model(self, region: str, record: dict[str, Any], body: dict[str, Any]) -> bool:
        model_id = body.get("model_id") or record["model_id"]
        quantization = body.get("quantization") or record["quantization"]
        if model_id == record["model_id"] and quantization == record["quantization"]:
            return False
        model = self._usable_model(region, record["project_id"], model_id)
        record["quantization"] = {"bits": checks.check_fit(model, record["node_type_name"], quantization)}
        record["model_id"], record["model_name"] = model["id"], model["name"]
        return True

    def _update_size(self, record: dict[str, Any], body: dict[str, Any]) -> bool:
        if not (body.get("min_size") or body.get("max_size")):
            return False
        size = checks.check_sizes(
            body.get("min_size") or record["min_size"],
            body.get("max_size") or body.get("min_size") or record["max_size"],
        )
        if size == record["min_size"]:
            return False
        self._check_quota(record["node_type_name"], size - record["min_size"])
        record["min_size"] = record["max_size"] = size
        return True

    def delete_deployment(self, region: str, deployment_id: str) -> dict[str, Any]:
        with self.lock:
            record = self.get_deployment(region, deployment_id)
            checks.check_writable(record["project_id"])
            if record["status"] == "locked":
                raise locked("deployment", deployment_id)
            if record["status"] in ("deleting", "deleted"):
                raise transient("deployment", deployment_id, record["status"])
            record["status"] = "deleting"
            self._schedule(record, (0.4, "gone"))
            record["updated_at"] = now_iso(self.clock())
            self.save()
            return record

    def _changeable(self, region: str, deployment_id: str) -> dict[str, Any]:
        record = self.get_deployment(region, deployment_id)
        checks.check_writable(record["project_id"])
        if record["status"] == "locked":
            raise locked("deployment", deployment_id)
        if record["status"] in FROZEN or record["status"] == "deleted":
            raise transient("deployment", deployment_id, record["status"])
        return record

    # ---- endpoints ---------------------------------------------------------------------
    def create_endpoint(self, region: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            record = self._changeable(region, str(body.get("deployment_id") or ""))
            endpoint = checks.endpoint(record, body.get("endpoint") or {})
            network = checks.network_of(endpoint)
            if any(checks.network_of(e) == network for e in record["endpoints"]):
                raise invalid("endpoint", "conflict", f"the deployment already has an endpoint on {network}")
            record["endpoints"].append(endpoint)
            record["updated_at"] = now_iso(self.clock())
            self.save()
            return endpoint

    def update_endpoint(self, region: str, endpoint_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            record, endpoint = self._find_endpoint(region, endpoint_id)
            self._changeable(region, record["id"])
            if "disable_auth" in body:
                endpoint["disable_auth"] = bool(body["disable_auth"])
            record["updated_at"] = now_iso(self.clock())
            self.save()
            return endpoint

    def delete_endpoint(self, region: str, endpoint_id: str) -> None:
        with self.lock:
            record, endpoint = self._find_endpoint(region, endpoint_id)
            self._changeable(region, record["id"])
            if len(record["endpoints"]) == 1:
                raise invalid(
                    "endpoint_id",
                    "last_endpoint",
                    "a deployment needs at least one endpoint: create another first",
                )
            record["endpoints"].remove(endpoint)
            record["updated_at"] = now_iso(self.clock())
            self.save()

    def _find_endpoint(self, region: str, endpoint_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        for record in self.list_deployments(region):
            for endpoint in record["endpoints"]:
                if endpoint["id"] == endpoint_id:
                    return record, endpoint
        raise not_found("endpoint", endpoint_id)

    # ---- models ------------------------------------------------------------------------
    def list_models(self, region: str) -> list[dict[str, Any]]:
        """Public models (the zero project) then the organization's custom models."""
        with self.lock:
            custom = [m for m in self._live(self.models) if m["region"] == region]
            return catalog.public_models(region) + custom

    def get_model(self, region: str, model_id: str) -> dict[str, Any]:
        for model in self.list_models(region):
            if model["id"] == model_id:
                return model
        raise not_found("Model", model_id)

    def create_model(self, region: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            project = checks.require_project(body)
            source = body.get("source") or {}
            url = str(source.get("url") or "")
            if not url.startswith("https://huggingface.co/"):
                raise invalid(
                    "source.url", "invalid", "expected a Hugging Face URL https://huggingface.co/ORG/NAME"
                )
            model_id = str(uuid.uuid4())
            record = custom_models.new_record(
                model_id,
                region,
                project,
                str(body.get("name") or ""),
                url,
                bool(source.get("secret")),
                now_iso(self.clock()),
            )
            if record.pop("_cached", False):  # recorded: an import Scaleway already holds is ready at once
                record["status"] = "ready"
            else:
                final = "error" if "_error" in record else "ready"
                self._schedule(record, (0.25, "downloading"), (0.5, final))
            self.models[model_id] = record
            self.save()
            return record

    def delete_model(self, region: str, model_id: str) -> None:
        with self.lock:
            self._live(self.models)
            record = self.models.get(model_id)
            if record is None or record["region"] != region:
                if any(m["id"] == model_id for m in catalog.public_models(region)):
                    raise permissions_denied("model", "delete", "catalog models cannot be deleted")
                raise not_found("Model", model_id)
            checks.check_writable(record["project_id"])
            users = [d["name"] for d in self.list_deployments(region) if d["model_id"] == model_id]
            if users:
                raise precondition_failed(
                    "resource_still_in_use", f"model is used by deployment(s): {', '.join(users)}"
                )
            del self.models[model_id]
            self.save()

    # ---- checks ------------------------------------------------------------------------
    def _usable_model(self, region: str, project: str, model_id: Any) -> dict[str, Any]:
        if not model_id:
            raise invalid("model_id", "required", "model_id is required")
        model = self.get_model(region, str(model_id))
        if model["project_id"] not in (project, catalog.PUBLIC_PROJECT_ID):
            raise not_found("Model", str(model_id))
        if model["status"] != "ready":
            raise invalid("model_id", "not_ready", f"model {model['name']} is {model['status']}, not ready")
        eol = model.get("_end_of_life_in_days")
        if eol is not None and eol < 0:
            raise invalid("model_id", "end_of_life", f"model {model['name']} has reached End-of-Life")
        return model

    def _check_quota(self, node_type: str, added_nodes: int) -> None:
        """Quotas are per organization (every project, every region), counted in nodes."""
        key = quota_key(node_type, self.node_quota)
        if key is None:
            return
        used = nodes_in_use(
            key,
            self.node_quota,
            ((d["node_type_name"], d["min_size"]) for d in self._live_all() if d["status"] != "deleting"),
        )
        if used + added_nodes > self.node_quota[key]:
            raise quotas_exceeded(f"inference_{key.lower()}_nodes", self.node_quota[key], used)

    # ---- views ---------------------------------------------------------------------------
    def view_model(self, record: dict[str, Any]) -> dict[str, Any]:
        out = view(record)
        if record.get("status") == "error":
            out["error_message"] = record.get("_error")
        return out


def view(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}
